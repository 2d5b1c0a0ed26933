package dev.kiln.cli;

import dev.kiln.runtime.Container;
import dev.kiln.runtime.ContainerStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln stats}: CPU seconds, memory (current, peak), pids and block I/O of running containers. */
@Command(name = "stats", description = "Show resource use of running containers (one sample).")
public final class StatsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--no-stream", description = "Accepted for compatibility: kiln prints one sample.") boolean noStream;
  @Parameters(arity = "0..*", description = "Container ids or names (default: all running).") List<String> names = new ArrayList<>();

  @Override
  public Integer call() {
    return ContainerCommands.call(() -> {
      var containers = ContainerCommands.containers(spec);
      List<Container> list = new ArrayList<>();
      if (names.isEmpty()) {
        list.addAll(containers.list(false));
      } else {
        for (String n : names) list.add(containers.find(n).orElseThrow(() -> new IllegalArgumentException("container " + n + ": no such container")));
      }
      String format = "%-12s  %-20s  %10s  %10s  %10s  %6s  %21s%n";
      System.out.printf(format, "CONTAINER ID", "NAME", "CPU SEC", "MEM", "MEM PEAK", "PIDS", "BLOCK I/O (R / W)");
      for (Container c : list) {
        ContainerStats s = containers.stats(c.id());
        String cpu = s.cpuNanos().isPresent() ? String.format(Locale.ROOT, "%.3f", s.cpuNanos().getAsLong() / 1e9) : "n/a";
        System.out.printf(format, c.shortId(), c.name(), cpu, bytes(s.memoryBytes()), bytes(s.memoryPeakBytes()),
            s.pids().isPresent() ? Long.toString(s.pids().getAsLong()) : "n/a", bytes(s.ioReadBytes()) + " / " + bytes(s.ioWriteBytes()));
      }
      return 0;
    });
  }

  private static String bytes(OptionalLong v) {
    return v.isPresent() ? ContainerCommands.size(v.getAsLong()) : "n/a";
  }
}
