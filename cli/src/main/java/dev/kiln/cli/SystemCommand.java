package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kiln system}: store-wide commands ({@code df}, {@code gc}). */
@Command(name = "system", description = "Store-wide commands.",
    subcommands = {SystemDfCommand.class, SystemGcCommand.class})
public final class SystemCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: df or gc");
  }
}
