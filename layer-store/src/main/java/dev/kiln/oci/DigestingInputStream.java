package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through while digesting and counting them. {@link #digest()} is valid once the stream
 * was read to its end. Closing closes the wrapped stream. Not thread-safe.
 */
public final class DigestingInputStream extends ReadThroughInputStream {
  private final Digester digester;

  /**
   * Wraps a stream.
   *
   * @param in the stream to read
   * @param algorithm {@link Digest#SHA256} or {@link Digest#SHA512}
   */
  public DigestingInputStream(InputStream in, String algorithm) {
    super(in);
    this.digester = Digester.of(algorithm);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      digester.update(b);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      digester.update(b, off, n);
    }
    return n;
  }

  /** Returns the number of bytes read so far. */
  public long count() {
    return digester.count();
  }

  /** Returns the digest of the bytes read; call once, after the end of the stream. */
  public Digest digest() {
    return digester.digest();
  }
}
