package dev.kiln.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter that must see every byte exactly once, in order (because it digests them): skipping
 * reads through, and mark/reset is refused so no byte is digested twice.
 */
public abstract class ReadThroughInputStream extends FilterInputStream {
  /**
   * Wraps a stream.
   *
   * @param in the stream read through; closing this closes it
   */
  protected ReadThroughInputStream(InputStream in) {
    super(in);
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }
}
