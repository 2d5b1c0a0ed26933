package dev.kiln.cli;

import dev.kiln.runtime.Container;
import dev.kiln.runtime.ContainerStatus;
import dev.kiln.runtime.Containers;
import dev.kiln.runtime.LogEntry;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln logs}: a container's output, also after the container was removed (until retention ends). */
@Command(name = "logs", description = "Show a container's logs (kept after the container is removed).")
public final class LogsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the container exits.") boolean follow;
  @Option(names = "--since", description = "Only output since a time (2026-01-02T15:04:05Z) or a duration ago (10m, 2h).") String since;
  @Option(names = {"-n", "--tail"}, description = "Only the last N lines.") Integer tail;
  @Option(names = {"-t", "--timestamps"}, description = "Prefix each line with its time.") boolean timestamps;
  @Parameters(index = "0", description = "Container id or name.") String container;

  @Override
  public Integer call() {
    return ContainerCommands.call(() -> {
      Containers containers = ContainerCommands.containers(spec);
      Optional<Container> live = containers.find(container);
      String id = live.map(Container::id).or(() -> containers.logs().find(container))
          .orElseThrow(() -> new IllegalArgumentException("container " + container + ": no such container and no kept logs"));
      Optional<Instant> from = since == null ? Optional.empty() : Optional.of(parseSince(since));
      List<LogEntry> entries = containers.logs().read(id, from, tail == null ? -1 : tail);
      entries.forEach(this::print);
      if (follow) {
        Instant last = entries.isEmpty() ? from.orElse(Instant.EPOCH) : entries.getLast().time();
        int seen = (int) entries.stream().filter(e -> e.time().equals(entries.getLast().time())).count();
        while (containers.find(id).map(c -> c.status() == ContainerStatus.RUNNING).orElse(false)) {
          Thread.sleep(100);
          List<LogEntry> fresh = containers.logs().read(id, Optional.of(last), -1);
          // entries at exactly LAST were printed already
          List<LogEntry> todo = fresh.subList(Math.min(seen, fresh.size()), fresh.size());
          todo.forEach(this::print);
          if (!todo.isEmpty()) {
            Instant newest = todo.getLast().time();
            seen = (int) fresh.stream().filter(e -> e.time().equals(newest)).count();
            last = newest;
          }
        }
        containers.logs().read(id, Optional.of(last), -1).stream().skip(seen).forEach(this::print);
      }
      return 0;
    });
  }

  private void print(LogEntry e) {
    PrintStream out = e.stream().equals("stderr") ? System.err : System.out;
    out.print((timestamps ? e.time() + " " : "") + e.text());
    out.flush();
  }

  private static Instant parseSince(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return Instant.now().minus(Duration.parse("PT" + text.toUpperCase(java.util.Locale.ROOT)));
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("since " + text + ": expected a time like 2026-01-02T15:04:05Z or a duration like 10m");
      }
    }
  }
}
