package dev.kiln.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln stop [-t SECONDS]}: SIGTERM, then SIGKILL after the grace period. */
@Command(name = "stop", description = "Stop running containers.")
public final class StopCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-t", "--time"}, description = "Seconds to wait before killing (default 10).") int seconds = 10;
  @Parameters(arity = "1..*", description = "Container ids or names.") List<String> names;

  @Override
  public Integer call() {
    return ContainerCommands.forEach(spec, names, (c, name) -> c.stop(name, Duration.ofSeconds(seconds)));
  }
}
