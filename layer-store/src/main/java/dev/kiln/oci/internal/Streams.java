package dev.kiln.oci.internal;

import java.io.IOException;
import java.io.InputStream;

/** Stream helpers shared by the digesting streams. */
public final class Streams {
  private Streams() {}

  /**
   * Skips by reading through {@code in}, so a wrapping stream still sees (digests) every byte.
   *
   * @param in the stream to read from, usually the caller itself
   * @param n how many bytes to skip
   * @return how many bytes were skipped; fewer at the end of the stream
   * @throws IOException when reading fails
   */
  public static long skipByReading(InputStream in, long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }
}
