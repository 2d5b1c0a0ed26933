package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logs rotate by size and outlive their container until retention ends. */
class LogRetentionIT {
  @TempDir Path tmp;

  /** A clock the test moves forward. */
  static final class MovableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void rotatesBySizeAndExpiresAfterRetention() throws Exception {
    Path rootfs = Rootfs.sharedBusybox();
    MovableClock clock = new MovableClock();
    Containers containers = new Containers(tmp.resolve("root"), new LogPolicy(4096, 3, Duration.ofHours(1)), clock);
    RunSpec spec = RunSpec.builder().cmd(List.of("sh", "-c", "for i in $(seq 1 400); do echo line-$i; done")).build();
    Container c = containers.create(Optional.of("chatty"), "busybox", List.of(rootfs), spec, OciRuntime.SHIM, false);
    assertEquals(0, containers.start(c.id(), true));
    Path dir = tmp.resolve("root/logs").resolve(c.id());
    assertTrue(Files.exists(dir.resolve("container.log.1")) && Files.exists(dir.resolve("container.log.2")));
    assertTrue(!Files.exists(dir.resolve("container.log.3")), "only 3 files kept");
    for (String f : List.of("container.log", "container.log.1", "container.log.2")) assertTrue(Files.size(dir.resolve(f)) <= 4096, f);
    List<LogEntry> kept = containers.logs().read(c.id(), Optional.empty(), -1);
    assertEquals("line-400\n", kept.getLast().text());
    assertTrue(kept.size() < 400, "oldest lines rotated away");

    containers.remove("chatty", false);
    assertEquals(List.of(), containers.logs().prune(), "retention has not ended");
    assertEquals("line-400\n", containers.logs().read(containers.logs().find("chatty").orElseThrow(), Optional.empty(), 1).getFirst().text());
    clock.now = clock.now.plus(Duration.ofHours(2));
    assertEquals(List.of(c.id()), containers.logs().prune());
    assertTrue(containers.logs().find("chatty").isEmpty());
  }
}
