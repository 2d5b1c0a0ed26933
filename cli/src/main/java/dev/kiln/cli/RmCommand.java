package dev.kiln.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln rm [-f]}: removes containers (their logs stay until retention ends). */
@Command(name = "rm", description = "Remove containers; their logs are kept until retention ends.")
public final class RmCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--force"}, description = "Kill running containers first.") boolean force;
  @Parameters(arity = "1..*", description = "Container ids or names.") List<String> names;

  @Override
  public Integer call() {
    return ContainerCommands.forEach(spec, names, (c, name) -> c.remove(name, force));
  }
}
