package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** cgroup v2: one unified tree; the container's cgroup is /sys/fs/cgroup/kiln/ID. */
final class CgroupsV2 implements Cgroups {
  private final Path root;

  CgroupsV2(Path root) {
    this.root = root;
  }

  private Path dir(String id) {
    return root.resolve(PARENT).resolve(id);
  }

  @Override
  public List<Path> create(String id, Limits limits) throws IOException {
    String available = Files.readString(root.resolve("cgroup.controllers"));
    require(available, "memory", limits.memoryBytes().isPresent(), "--memory");
    require(available, "cpu", limits.cpus().isPresent() || limits.cpuShares().isPresent(), "--cpus/--cpu-shares");
    require(available, "pids", limits.pids().isPresent(), "--pids-limit");
    Path parent = root.resolve(PARENT);
    Files.createDirectories(parent);
    for (String c : List.of("memory", "cpu", "pids", "io")) {
      if (!available.contains(c)) continue;
      // controllers must be enabled top-down before a child can use them
      tryWrite(root.resolve("cgroup.subtree_control"), "+" + c);
      tryWrite(parent.resolve("cgroup.subtree_control"), "+" + c);
    }
    Path d = dir(id);
    Files.createDirectories(d);
    if (limits.memoryBytes().isPresent()) {
      Files.writeString(d.resolve("memory.max"), Long.toString(limits.memoryBytes().getAsLong()));
      tryWrite(d.resolve("memory.swap.max"), "0");
    }
    if (limits.cpus().isPresent()) {
      Files.writeString(d.resolve("cpu.max"), Math.max(1000, Math.round(limits.cpus().getAsDouble() * 100000)) + " 100000");
    }
    if (limits.cpuShares().isPresent()) {
      long shares = limits.cpuShares().getAsLong();
      // the conversion runc and crun use from v1 shares [2, 262144] to v2 weight [1, 10000]
      Files.writeString(d.resolve("cpu.weight"), Long.toString(1 + ((shares - 2) * 9999) / 262142));
    }
    if (limits.pids().isPresent()) Files.writeString(d.resolve("pids.max"), Long.toString(limits.pids().getAsLong()));
    return List.of(d);
  }

  private static void require(String available, String controller, boolean asked, String option) throws IOException {
    if (asked && !List.of(available.trim().split("\\s+")).contains(controller)) {
      throw new IOException(option + ": the cgroup v2 tree has no " + controller + " controller");
    }
  }

  private static void tryWrite(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      // already enabled, or not delegable here: the limit write below reports the real failure
    }
  }

  @Override
  public ContainerStats stats(String id) {
    Path d = dir(id);
    OptionalLong usec = Cgroups.readKey(d.resolve("cpu.stat"), "usage_usec");
    long r = 0;
    long w = 0;
    OptionalLong read = OptionalLong.empty();
    OptionalLong written = OptionalLong.empty();
    try {
      for (String line : Files.readAllLines(d.resolve("io.stat"))) {
        for (String kv : line.split(" ")) {
          if (kv.startsWith("rbytes=")) r += Long.parseLong(kv.substring(7));
          if (kv.startsWith("wbytes=")) w += Long.parseLong(kv.substring(7));
        }
      }
      read = OptionalLong.of(r);
      written = OptionalLong.of(w);
    } catch (IOException | NumberFormatException e) {
      read = OptionalLong.empty();
    }
    return new ContainerStats(
        usec.isPresent() ? OptionalLong.of(usec.getAsLong() * 1000) : usec,
        Cgroups.readLong(d.resolve("memory.current")),
        Cgroups.readLong(d.resolve("memory.peak")),
        Cgroups.readLong(d.resolve("pids.current")),
        read,
        written);
  }

  @Override
  public boolean oomKilled(String id) {
    return Cgroups.readKey(dir(id).resolve("memory.events"), "oom_kill").orElse(0) > 0;
  }

  @Override
  public void remove(String id) throws IOException {
    Cgroups.killAndRemove(dir(id));
  }

  @Override
  public List<String> existing() {
    Path parent = root.resolve(PARENT);
    if (!Files.isDirectory(parent)) return List.of();
    try (Stream<Path> s = Files.list(parent)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return new ArrayList<>();
    }
  }
}
