package dev.kiln.cli;

import dev.kiln.runtime.Container;
import dev.kiln.runtime.ContainerStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln ps [-a]}: lists containers. */
@Command(name = "ps", description = "List containers.")
public final class PsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-a", "--all"}, description = "Show all containers (default: running only).") boolean all;
  @Option(names = {"-q", "--quiet"}, description = "Only print ids.") boolean quiet;

  @Override
  public Integer call() {
    return ContainerCommands.call(() -> {
      String format = "%-12s  %-20s  %-24s  %-16s  %-28s  %s%n";
      if (!quiet) System.out.printf(format, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES");
      for (Container c : ContainerCommands.containers(spec).list(all)) {
        if (quiet) {
          System.out.println(c.shortId());
          continue;
        }
        String command = String.join(" ", c.command());
        if (command.length() > 22) command = command.substring(0, 21) + "…";
        String image = c.image().length() > 20 ? "…" + c.image().substring(c.image().length() - 19) : c.image();
        System.out.printf(format, c.shortId(), image, "\"" + command + "\"", ContainerCommands.ago(c.created()), status(c), c.name());
      }
      return 0;
    });
  }

  static String status(Container c) {
    if (c.status() == ContainerStatus.RUNNING) return "Up";
    if (c.status() == ContainerStatus.CREATED) return "Created";
    String s = "Exited (" + (c.exitCode().isPresent() ? c.exitCode().getAsInt() : "?") + ")";
    if (c.oomKilled()) s += " OOM-killed";
    if (c.error().isPresent()) s += " error";
    return s;
  }
}
