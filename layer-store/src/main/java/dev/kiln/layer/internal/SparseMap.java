package dev.kiln.layer.internal;

import dev.kiln.layer.LayerRejectedException;
import java.util.Arrays;

/**
 * Where a sparse file's data lies: segments (offset, length) in increasing order that never
 * overlap, inside a file of {@link #realSize()} bytes; everything else is a hole (reads as zeros and
 * takes no disk). The archive holds only the segments' bytes, one after the other. Kept as two
 * primitive arrays, at most {@link #MAX_SEGMENTS} long, so even a hostile map costs a few MiB of heap
 * at most. Immutable.
 */
public final class SparseMap {
  /**
   * The most segments a map may have (GNU tar writes one per data extent; a file with more than
   * this many separate extents is written whole instead).
   */
  public static final int MAX_SEGMENTS = 1 << 18;

  private final long realSize;
  private final long[] offsets;
  private final long[] lengths;
  private final long dataSize;

  private SparseMap(long realSize, long[] offsets, long[] lengths, long dataSize) {
    this.realSize = realSize;
    this.offsets = offsets;
    this.lengths = lengths;
    this.dataSize = dataSize;
  }

  /**
   * Checks a map read from an archive or found in a file.
   *
   * @param entry the entry's name, for the error
   * @param realSize the file's size
   * @param offsets the segments' offsets (not copied: the caller hands them over)
   * @param lengths their lengths
   * @param count how many of the array slots are used
   * @return the map
   * @throws LayerRejectedException when a segment is negative, overlaps or runs back into the one
   *     before it, or ends past the real size
   */
  static SparseMap of(String entry, long realSize, long[] offsets, long[] lengths, int count)
      throws LayerRejectedException {
    if (realSize < 0) {
      throw new LayerRejectedException(entry, "sparse file with negative size " + realSize);
    }
    long end = 0;
    long data = 0;
    for (int i = 0; i < count; i++) {
      long off = offsets[i];
      long len = lengths[i];
      if (off < 0 || len < 0) {
        throw new LayerRejectedException(entry, "sparse map segment " + i + " is negative");
      }
      if (off < end) {
        throw new LayerRejectedException(entry, "sparse map segment " + i + " at " + off
            + " overlaps or precedes the one before it (ends at " + end + ")");
      }
      if (len > realSize - off) {
        throw new LayerRejectedException(entry, "sparse map segment " + i + " (" + off + " + " + len
            + ") ends past the file's size " + realSize);
      }
      end = off + len;
      data += len; // cannot overflow: every segment lies inside [0, realSize) without overlap
    }
    return new SparseMap(realSize, Arrays.copyOf(offsets, count), Arrays.copyOf(lengths, count), data);
  }

  /** Returns the file's size, holes included. */
  public long realSize() {
    return realSize;
  }

  /** Returns the number of segments. */
  public int segments() {
    return offsets.length;
  }

  /** Returns where segment {@code i} starts. */
  public long offset(int i) {
    return offsets[i];
  }

  /** Returns segment {@code i}'s length. */
  public long length(int i) {
    return lengths[i];
  }

  /** Returns how many data bytes the archive holds for the file: the segments' lengths summed. */
  public long dataSize() {
    return dataSize;
  }

  /** Returns whether the file has any hole at all. */
  public boolean hasHoles() {
    return dataSize < realSize;
  }
}
