package dev.kiln.runtime;

import java.time.Duration;

/**
 * How container logs are kept: the shim rotates {@code container.log} once it would pass
 * {@code maxBytes}, keeping {@code maxFiles} files in all; a removed container's logs are deleted
 * {@code retention} after its removal (by {@code kiln system prune}).
 *
 * @param maxBytes size at which the live file rotates
 * @param maxFiles files kept, the live one included
 * @param retention how long logs outlive their container
 */
public record LogPolicy(long maxBytes, int maxFiles, Duration retention) {
  /** 10 MiB × 3 files, kept 7 days after removal. */
  public static final LogPolicy DEFAULT = new LogPolicy(10L << 20, 3, Duration.ofDays(7));

  /** Validates the values. */
  public LogPolicy {
    if (maxBytes < 1024) throw new IllegalArgumentException("log max size " + maxBytes + ": minimum is 1024 bytes");
    if (maxFiles < 1 || maxFiles > 32) throw new IllegalArgumentException("log files " + maxFiles + ": expected 1-32");
    if (retention.isNegative()) throw new IllegalArgumentException("log retention " + retention + ": negative");
  }
}
