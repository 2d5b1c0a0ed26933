package dev.kiln.layer;

import java.util.Objects;

/**
 * How {@link LayerWriter} writes a layer. Start from {@link #defaults()} and change fields with the
 * {@code with…} methods.
 *
 * @param compression the blob's compression
 * @param level the compression level (gzip 1–9, zstd 1–22); ignored for {@link Compression#NONE}
 * @param threads how many threads compress, ≥ 1 (the output does not depend on it)
 * @param clampMtime whether mtimes later than {@code sourceDateEpoch} are lowered to it
 * @param sourceDateEpoch the clamp, in seconds since the epoch (as the SOURCE_DATE_EPOCH convention
 *     has it); 0 with clamping on gives every entry mtime 0
 * @param rootOwned whether every entry is owned by 0:0 (for files copied from a build context)
 * @see <a href="https://reproducible-builds.org/specs/source-date-epoch/">SOURCE_DATE_EPOCH</a>
 */
public record LayerOptions(
    Compression compression,
    int level,
    int threads,
    boolean clampMtime,
    long sourceDateEpoch,
    boolean rootOwned) {

  /** Checks. */
  public LayerOptions {
    Objects.requireNonNull(compression, "compression");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
    }
    switch (compression) {
      case GZIP -> check(level, 1, 9);
      case ZSTD -> check(level, 1, 22);
      case NONE -> { }
    }
  }

  private static void check(int level, int min, int max) {
    if (level < min || level > max) {
      throw new IllegalArgumentException(
          "compression level " + level + " outside " + min + "–" + max);
    }
  }

  /** Returns gzip at level 6 on every core, file mtimes and owners kept as they are. */
  public static LayerOptions defaults() {
    return new LayerOptions(
        Compression.GZIP, 6, Runtime.getRuntime().availableProcessors(), false, 0, false);
  }

  /**
   * Returns these options with another compression at its default level.
   *
   * @param newCompression the compression
   * @return the new options
   */
  public LayerOptions withCompression(Compression newCompression) {
    return new LayerOptions(
        newCompression, newCompression.defaultLevel(), threads, clampMtime, sourceDateEpoch, rootOwned);
  }

  /**
   * Returns these options with another compression level.
   *
   * @param newLevel the level
   * @return the new options
   */
  public LayerOptions withLevel(int newLevel) {
    return new LayerOptions(compression, newLevel, threads, clampMtime, sourceDateEpoch, rootOwned);
  }

  /**
   * Returns these options with another thread count.
   *
   * @param newThreads the thread count
   * @return the new options
   */
  public LayerOptions withThreads(int newThreads) {
    return new LayerOptions(compression, level, newThreads, clampMtime, sourceDateEpoch, rootOwned);
  }

  /**
   * Returns these options clamping mtimes to a SOURCE_DATE_EPOCH.
   *
   * @param epochSeconds the clamp in seconds since the epoch
   * @return the new options
   */
  public LayerOptions withSourceDateEpoch(long epochSeconds) {
    return new LayerOptions(compression, level, threads, true, epochSeconds, rootOwned);
  }

  /**
   * Returns these options with every entry owned by root or by the file's owner.
   *
   * @param newRootOwned whether entries are owned by 0:0
   * @return the new options
   */
  public LayerOptions withRootOwned(boolean newRootOwned) {
    return new LayerOptions(compression, level, threads, clampMtime, sourceDateEpoch, newRootOwned);
  }
}
