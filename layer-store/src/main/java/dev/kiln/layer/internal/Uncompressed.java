package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.store.internal.Compression;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A layer blob's tar, decompressed as its magic bytes say (gzip, zstd or none), bounded against
 * decompression bombs and digested on the way (the diffId). Reading, decompressing and digesting
 * run ahead on a thread of their own ({@link ReadAheadInputStream}), overlapping with what the caller
 * does with the tar. Closing stops that thread and frees the decompressor but does not close the
 * caller's stream. Not thread-safe.
 */
public final class Uncompressed implements Closeable {
  private final ReadAheadInputStream tar;

  private Uncompressed(InputStream decompressed) {
    this.tar = new ReadAheadInputStream(decompressed);
  }

  /**
   * Opens a blob.
   *
   * @param blob the blob; not closed
   * @param maxBytes the most uncompressed bytes allowed
   * @param maxRatio the largest uncompressed / compressed ratio allowed
   * @return the tar view
   * @throws IOException when the blob cannot be read
   */
  public static Uncompressed open(InputStream blob, long maxBytes, long maxRatio) throws IOException {
    Counting compressed = new Counting(blob);
    InputStream plain = Compression.decompress(compressed);
    BoundedInputStream bounded = new BoundedInputStream(plain, maxBytes, maxRatio, compressed::count);
    return new Uncompressed(bounded);
  }

  /** Returns the tar bytes; reading them feeds the diffId. */
  public InputStream tar() {
    return tar;
  }

  /** Returns the digest of the tar bytes; call once, after reading them to the end. */
  public Digest diffId() {
    return tar.digest();
  }

  /** Returns how many tar bytes there were; call after reading them to the end. */
  public long size() {
    return tar.count();
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  /** Counts compressed bytes for the ratio bound; does not close the caller's stream. */
  private static final class Counting extends FilterInputStream {
    private long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public void close() {}

    long count() {
      return count;
    }
  }
}
