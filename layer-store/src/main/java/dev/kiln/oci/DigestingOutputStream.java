package dev.kiln.oci;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes bytes through while digesting and counting them. Closing closes the wrapped stream.
 * Not thread-safe.
 */
public final class DigestingOutputStream extends FilterOutputStream {
  private final Digester digester;

  /**
   * Wraps a stream.
   *
   * @param out the stream to write to
   * @param algorithm {@link Digest#SHA256} or {@link Digest#SHA512}
   */
  public DigestingOutputStream(OutputStream out, String algorithm) {
    super(out);
    this.digester = Digester.of(algorithm);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digester.update(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digester.update(b, off, len);
  }

  /** Returns the number of bytes written so far. */
  public long count() {
    return digester.count();
  }

  /** Returns the digest of the bytes written; call once, after the last write. */
  public Digest digest() {
    return digester.digest();
  }
}
