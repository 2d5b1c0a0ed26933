package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kiln system prune}: removes exited --rm containers, and cgroups, mounts and veths of
 * containers that do not run, and expired logs.
 */
@Command(name = "prune",
    description = "Clean up cgroups, mounts and veths left by crashed containers, and expired logs.")
final class SystemPruneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return ContainerCommands.call(() -> {
      var r = ContainerCommands.containers(spec).prune();
      System.out.println("removed containers: " + r.containers().size());
      System.out.println("removed cgroups:    " + r.cgroups().size());
      System.out.println("unmounted:          " + r.mounts().size());
      System.out.println("removed veths:      " + r.veths().size());
      System.out.println("expired logs:       " + r.logs().size());
      return 0;
    });
  }
}
