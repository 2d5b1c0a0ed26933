package dev.kiln.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln exec}: runs a command in a running container; the exit code is the command's. */
@Command(name = "exec", description = "Run a command in a running container.")
public final class ExecCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-i", "--interactive"}, description = "Keep stdin open.") boolean interactive;
  @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-terminal.") boolean tty;
  @Option(names = {"-e", "--env"}, description = "Set KEY=VALUE.") List<String> env = new ArrayList<>();
  @Option(names = {"-u", "--user"}, description = "user[:group].") String user = "";
  @Option(names = {"-w", "--workdir"}, description = "Working directory.") String workdir = "";
  @Parameters(index = "0", description = "Container id or name.") String container;
  @Parameters(index = "1..*", arity = "1..*", description = "COMMAND [ARG...]") List<String> command;

  @Override
  public Integer call() {
    return ContainerCommands.call(() -> ContainerCommands.containers(spec).exec(container, command, env, user, workdir, interactive, tty));
  }
}
