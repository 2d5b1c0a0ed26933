package dev.kiln.layer.internal;

import dev.kiln.layer.LayerRejectedException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongSupplier;

/**
 * Counts the bytes a decompressor yields and refuses a decompression bomb: more than a fixed total,
 * or (once past 16 MiB, where small highly compressible layers are normal) more than a ratio of the
 * compressed bytes read so far. Not thread-safe.
 */
public final class BoundedInputStream extends FilterInputStream {
  private static final long RATIO_GRACE = 16L << 20;

  private final long maxBytes;
  private final long maxRatio;
  private final LongSupplier compressedSoFar;
  private long count;

  /**
   * Wraps a decompressing stream.
   *
   * @param in the decompressed bytes
   * @param maxBytes the most bytes allowed
   * @param maxRatio the largest decompressed / compressed ratio allowed
   * @param compressedSoFar how many compressed bytes have been read so far
   */
  public BoundedInputStream(InputStream in, long maxBytes, long maxRatio, LongSupplier compressedSoFar) {
    super(in);
    this.maxBytes = maxBytes;
    this.maxRatio = maxRatio;
    this.compressedSoFar = compressedSoFar;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  private void count(int n) throws LayerRejectedException {
    count += n;
    if (count > maxBytes) {
      throw new LayerRejectedException("", "decompression bomb: expands past the bound of "
          + maxBytes + " bytes");
    }
    long compressed = Math.max(1, compressedSoFar.getAsLong());
    if (count > RATIO_GRACE && count / compressed > maxRatio) {
      throw new LayerRejectedException("", "decompression bomb: " + count + " bytes from "
          + compressed + " compressed (ratio above the bound of " + maxRatio + ")");
    }
  }

  /** Returns how many bytes passed. */
  public long count() {
    return count;
  }
}
