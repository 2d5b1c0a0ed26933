package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** cgroup v1 (and hybrid hosts): one hierarchy per controller under /sys/fs/cgroup/CONTROLLER. */
final class CgroupsV1 implements Cgroups {
  private static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "blkio");
  private final Path root;

  CgroupsV1(Path root) {
    this.root = root;
  }

  private Path dir(String controller, String id) {
    return root.resolve(controller).resolve(PARENT).resolve(id);
  }

  private boolean has(String controller) {
    return Files.isDirectory(root.resolve(controller)) && Files.exists(root.resolve(controller).resolve("cgroup.procs"));
  }

  @Override
  public List<Path> create(String id, Limits limits) throws IOException {
    require("memory", limits.memoryBytes().isPresent(), "--memory");
    require("cpu", limits.cpus().isPresent() || limits.cpuShares().isPresent(), "--cpus/--cpu-shares");
    require("pids", limits.pids().isPresent(), "--pids-limit");
    var dirs = new LinkedHashSet<Path>();
    for (String c : CONTROLLERS) {
      if (!has(c)) continue;
      Path d = dir(c, id);
      Files.createDirectories(d);
      dirs.add(d.toRealPath()); // cpu and cpuacct may be one hierarchy
    }
    if (limits.memoryBytes().isPresent()) {
      String v = Long.toString(limits.memoryBytes().getAsLong());
      write(dir("memory", id).resolve("memory.limit_in_bytes"), v);
      Path memsw = dir("memory", id).resolve("memory.memsw.limit_in_bytes");
      if (Files.exists(memsw)) write(memsw, v); // no swap beyond the limit, as Docker's default
    }
    if (limits.cpus().isPresent()) {
      write(dir("cpu", id).resolve("cpu.cfs_period_us"), "100000");
      write(dir("cpu", id).resolve("cpu.cfs_quota_us"), Long.toString(Math.max(1000, Math.round(limits.cpus().getAsDouble() * 100000))));
    }
    if (limits.cpuShares().isPresent()) write(dir("cpu", id).resolve("cpu.shares"), Long.toString(limits.cpuShares().getAsLong()));
    if (limits.pids().isPresent()) write(dir("pids", id).resolve("pids.max"), Long.toString(limits.pids().getAsLong()));
    return new ArrayList<>(dirs);
  }

  private void require(String controller, boolean asked, String option) throws IOException {
    if (asked && !has(controller)) {
      throw new IOException(option + ": this host has no cgroup v1 " + controller + " controller mounted at " + root.resolve(controller));
    }
  }

  private static void write(Path file, String value) throws IOException {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new IOException("write " + value + " to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public ContainerStats stats(String id) {
    OptionalLong read = OptionalLong.empty();
    OptionalLong written = OptionalLong.empty();
    Path io = dir("blkio", id).resolve("blkio.throttle.io_service_bytes");
    if (Files.exists(io)) {
      long r = 0;
      long w = 0;
      try {
        for (String line : Files.readAllLines(io)) {
          String[] f = line.split(" ");
          if (f.length == 3 && f[1].equals("Read")) r += Long.parseLong(f[2]);
          if (f.length == 3 && f[1].equals("Write")) w += Long.parseLong(f[2]);
        }
        read = OptionalLong.of(r);
        written = OptionalLong.of(w);
      } catch (IOException | NumberFormatException e) {
        read = OptionalLong.empty();
      }
    }
    return new ContainerStats(
        Cgroups.readLong(dir("cpuacct", id).resolve("cpuacct.usage")),
        Cgroups.readLong(dir("memory", id).resolve("memory.usage_in_bytes")),
        Cgroups.readLong(dir("memory", id).resolve("memory.max_usage_in_bytes")),
        Cgroups.readLong(dir("pids", id).resolve("pids.current")),
        read,
        written);
  }

  @Override
  public boolean oomKilled(String id) {
    return Cgroups.readKey(dir("memory", id).resolve("memory.oom_control"), "oom_kill").orElse(0) > 0;
  }

  @Override
  public void remove(String id) throws IOException {
    for (String c : CONTROLLERS) {
      if (has(c)) Cgroups.killAndRemove(dir(c, id));
    }
  }

  @Override
  public List<String> existing() {
    var ids = new LinkedHashSet<String>();
    for (String c : CONTROLLERS) {
      Path parent = root.resolve(c).resolve(PARENT);
      if (!Files.isDirectory(parent)) continue;
      try (Stream<Path> s = Files.list(parent)) {
        s.filter(Files::isDirectory).forEach(p -> ids.add(p.getFileName().toString()));
      } catch (IOException e) {
        // an unreadable hierarchy has nothing kiln can prune
      }
    }
    return new ArrayList<>(ids);
  }
}
