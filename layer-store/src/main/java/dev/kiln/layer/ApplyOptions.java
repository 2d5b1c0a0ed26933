package dev.kiln.layer;

import dev.kiln.layer.internal.Native;

/**
 * How {@link LayerApplier} extracts a layer. Start from {@link #defaults()}.
 *
 * @param maxExpandedBytes the most bytes the uncompressed tar may have; more is refused as a
 *     decompression bomb
 * @param maxRatio the most the uncompressed tar may outgrow the compressed blob (uncompressed /
 *     compressed, checked once past 16 MiB); more is refused as a decompression bomb
 * @param ownership whether entries get their uid/gid (needs root); otherwise files belong to the
 *     caller
 * @param devices whether device nodes are created (needs root); otherwise they are skipped
 * @param whiteouts what a whiteout entry does
 */
public record ApplyOptions(
    long maxExpandedBytes, long maxRatio, boolean ownership, boolean devices, Whiteouts whiteouts) {

  /** What a whiteout entry ({@code .wh.NAME}, {@code .wh..wh..opq}) does to the target. */
  public enum Whiteouts {
    /**
     * Deletes the named file, or a directory's lower contents: the target is the merged tree of
     * every layer applied so far.
     */
    DELETE,
    /**
     * Writes overlayfs whiteouts instead (a char device 0/0, {@code trusted.overlay.opaque=y}): the
     * target is one layer on its own, to be stacked as an overlay lower dir.
     */
    OVERLAY
  }

  /** Checks. */
  public ApplyOptions {
    if (maxExpandedBytes <= 0 || maxRatio <= 0) {
      throw new IllegalArgumentException(
          "bounds must be positive: maxExpandedBytes " + maxExpandedBytes + ", maxRatio " + maxRatio);
    }
    java.util.Objects.requireNonNull(whiteouts, "whiteouts");
  }

  /**
   * Returns 64 GiB and a ratio of 1000 as bounds, ownership and devices when running as root,
   * whiteouts that delete.
   */
  public static ApplyOptions defaults() {
    boolean root = Native.isRoot();
    return new ApplyOptions(64L << 30, 1000, root, root, Whiteouts.DELETE);
  }

  /**
   * Returns these options with other bomb bounds.
   *
   * @param newMaxExpandedBytes the most uncompressed bytes
   * @param newMaxRatio the largest uncompressed / compressed ratio
   * @return the new options
   */
  public ApplyOptions withBounds(long newMaxExpandedBytes, long newMaxRatio) {
    return new ApplyOptions(newMaxExpandedBytes, newMaxRatio, ownership, devices, whiteouts);
  }

  /**
   * Returns these options with another whiteout mode.
   *
   * @param newWhiteouts the mode
   * @return the new options
   */
  public ApplyOptions withWhiteouts(Whiteouts newWhiteouts) {
    return new ApplyOptions(maxExpandedBytes, maxRatio, ownership, devices, newWhiteouts);
  }

  /**
   * Returns these options with ownership and device nodes on or off.
   *
   * @param asRoot whether owners are applied and devices created
   * @return the new options
   */
  public ApplyOptions withRootPrivileges(boolean asRoot) {
    return new ApplyOptions(maxExpandedBytes, maxRatio, asRoot, asRoot, whiteouts);
  }
}
