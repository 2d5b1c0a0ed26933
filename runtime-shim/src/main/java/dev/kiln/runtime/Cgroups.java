package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cgroups of kiln's containers, one per container under {@code kiln/<id>}. A host has either a
 * unified v2 tree at /sys/fs/cgroup, or v1 hierarchies per controller (hybrid hosts also mount a v2
 * tree at /sys/fs/cgroup/unified, which kiln leaves alone because the controllers kiln needs sit on
 * v1 there). Implementations are stateless and thread-safe.
 */
public sealed interface Cgroups permits CgroupsV1, CgroupsV2 {
  /** The cgroup parent of every kiln container, relative to each hierarchy root. */
  String PARENT = "kiln";

  /**
   * @return the cgroups of this host
   */
  static Cgroups detect() {
    Path root = Path.of("/sys/fs/cgroup");
    if (Files.exists(root.resolve("cgroup.controllers"))) return new CgroupsV2(root);
    return new CgroupsV1(root);
  }

  /**
   * Creates the container's cgroups and writes its limits.
   *
   * @param id container id
   * @param limits limits to apply
   * @return the cgroup directories the container's init joins
   * @throws IOException when a cgroup cannot be made, or a limit has no controller here (message says which)
   */
  List<Path> create(String id, Limits limits) throws IOException;

  /**
   * @param id container id
   * @return what the cgroups report now; empty fields where they cannot
   */
  ContainerStats stats(String id);

  /**
   * @param id container id
   * @return whether the kernel's OOM killer killed a process of this container
   */
  boolean oomKilled(String id);

  /**
   * Kills what is left in the container's cgroups and removes them; absent cgroups are fine.
   *
   * @param id container id
   * @throws IOException when a cgroup stays busy
   */
  void remove(String id) throws IOException;

  /** @return ids of the container cgroups that exist, for pruning */
  List<String> existing();

  /** @param id container id @return OCI {@code linux.cgroupsPath} for crun and runc */
  default String ociPath(String id) {
    return "/" + PARENT + "/" + id;
  }

  /** Reads a number from a cgroup file; empty on any error. */
  static java.util.OptionalLong readLong(Path file) {
    try {
      String s = Files.readString(file).trim();
      return s.equals("max") ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(Long.parseLong(s));
    } catch (IOException | NumberFormatException e) {
      return java.util.OptionalLong.empty();
    }
  }

  /** Reads {@code key value} lines and returns the value of KEY; empty when absent. */
  static java.util.OptionalLong readKey(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 2 && f[0].equals(key)) return java.util.OptionalLong.of(Long.parseLong(f[1]));
      }
    } catch (IOException | NumberFormatException e) {
      return java.util.OptionalLong.empty();
    }
    return java.util.OptionalLong.empty();
  }

  /** Kills every process in DIR's cgroup.procs, then removes DIR, retrying while it drains. */
  static void killAndRemove(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
          if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
        Files.delete(dir);
        return;
      } catch (java.nio.file.NoSuchFileException e) {
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("remove cgroup " + dir + ": interrupted", ie);
        }
      }
    }
    throw new IOException("remove cgroup " + dir + ": still busy after 1 s");
  }
}
