package dev.kiln.runtime;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * cgroup and storage limits of a container; empty means unlimited.
 *
 * @param memoryBytes memory limit in bytes (OOM kill past it)
 * @param cpus CPU quota in CPUs (1.5 = 150 ms per 100 ms period)
 * @param cpuShares relative CPU weight (Docker's 1024 default)
 * @param pids maximum number of processes
 * @param storageBytes size of the writable layer (a tmpfs of this size holds the upper dir)
 */
public record Limits(OptionalLong memoryBytes, OptionalDouble cpus, OptionalLong cpuShares, OptionalLong pids, OptionalLong storageBytes) {
  /** No limits. */
  public static final Limits NONE = new Limits(OptionalLong.empty(), OptionalDouble.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

  /** Validates the values. */
  public Limits {
    if (memoryBytes.isPresent() && memoryBytes.getAsLong() < 6 * 1024 * 1024) {
      throw new IllegalArgumentException("memory " + memoryBytes.getAsLong() + ": minimum is 6 MiB");
    }
    if (cpus.isPresent() && !(cpus.getAsDouble() > 0)) throw new IllegalArgumentException("cpus " + cpus.getAsDouble() + ": must be positive");
    if (pids.isPresent() && pids.getAsLong() < 1) throw new IllegalArgumentException("pids-limit " + pids.getAsLong() + ": must be positive");
    if (storageBytes.isPresent() && storageBytes.getAsLong() < 1024 * 1024) {
      throw new IllegalArgumentException("storage-size " + storageBytes.getAsLong() + ": minimum is 1 MiB");
    }
  }

  /** @param bytes memory limit @return a copy with it */
  public Limits withMemoryBytes(long bytes) { return new Limits(OptionalLong.of(bytes), cpus, cpuShares, pids, storageBytes); }

  /** @param value CPUs @return a copy with it */
  public Limits withCpus(double value) { return new Limits(memoryBytes, OptionalDouble.of(value), cpuShares, pids, storageBytes); }

  /** @param shares CPU weight @return a copy with it */
  public Limits withCpuShares(long shares) { return new Limits(memoryBytes, cpus, OptionalLong.of(shares), pids, storageBytes); }

  /** @param max process limit @return a copy with it */
  public Limits withPids(long max) { return new Limits(memoryBytes, cpus, cpuShares, OptionalLong.of(max), storageBytes); }

  /** @param bytes writable layer size @return a copy with it */
  public Limits withStorageBytes(long bytes) { return new Limits(memoryBytes, cpus, cpuShares, pids, OptionalLong.of(bytes)); }

  /**
   * Parses a Docker size: {@code 512m}, {@code 1g}, {@code 100k}, {@code 4096} (bytes).
   *
   * @param option the option name for the error message
   * @param text the value
   * @return bytes
   * @throws IllegalArgumentException on a malformed size
   */
  public static long parseSize(String option, String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.endsWith("b")) t = t.substring(0, t.length() - 1);
    long unit = 1;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'k' -> unit = 1L << 10;
        case 'm' -> unit = 1L << 20;
        case 'g' -> unit = 1L << 30;
        case 't' -> unit = 1L << 40;
        default -> unit = 1;
      }
    }
    if (unit != 1) t = t.substring(0, t.length() - 1);
    try {
      double v = Double.parseDouble(t);
      if (v < 0 || Double.isNaN(v)) throw new NumberFormatException();
      return (long) (v * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " " + text + ": expected a size such as 512m or 1g");
    }
  }
}
