package dev.kiln.runtime;

import java.util.OptionalLong;

/**
 * Resource use of a container read from its cgroup; empty when this host's cgroups do not say.
 *
 * @param cpuNanos CPU time used, in nanoseconds
 * @param memoryBytes memory in use now
 * @param memoryPeakBytes highest memory use seen
 * @param pids processes now
 * @param ioReadBytes bytes read from block devices
 * @param ioWriteBytes bytes written to block devices
 */
public record ContainerStats(OptionalLong cpuNanos, OptionalLong memoryBytes, OptionalLong memoryPeakBytes, OptionalLong pids,
    OptionalLong ioReadBytes, OptionalLong ioWriteBytes) {
  /** Nothing known. */
  public static final ContainerStats UNKNOWN = new ContainerStats(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
      OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
}
