package dev.kiln.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln kill [-s SIGNAL]}: sends a signal to the container's process. */
@Command(name = "kill", description = "Send a signal to running containers.")
public final class KillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-s", "--signal"}, description = "Signal name or number (default KILL).") String signal = "KILL";
  @Parameters(arity = "1..*", description = "Container ids or names.") List<String> names;

  @Override
  public Integer call() {
    return ContainerCommands.forEach(spec, names, (c, name) -> c.kill(name, signal));
  }
}
