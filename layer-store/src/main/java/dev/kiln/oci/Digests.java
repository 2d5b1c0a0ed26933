package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;

/** Companion functions for {@link Digest}. */
public final class Digests {
  private Digests() {}

  /**
   * Returns the sha256 digest of some bytes.
   *
   * @param bytes the content
   * @return its digest
   */
  public static Digest sha256(byte[] bytes) {
    return of(Digest.SHA256, bytes);
  }

  /**
   * Returns the digest of some bytes with an algorithm.
   *
   * @param algorithm {@link Digest#SHA256} or {@link Digest#SHA512}
   * @param bytes the content
   * @return its digest
   */
  public static Digest of(String algorithm, byte[] bytes) {
    Digester d = Digester.of(algorithm);
    d.update(bytes, 0, bytes.length);
    return d.digest();
  }

  /**
   * Reads a stream to its end and returns the digest of its bytes. Does not close the stream.
   *
   * @param algorithm {@link Digest#SHA256} or {@link Digest#SHA512}
   * @param in the content
   * @return its digest
   * @throws IOException when reading fails
   */
  public static Digest of(String algorithm, InputStream in) throws IOException {
    Digester d = Digester.of(algorithm);
    byte[] buf = new byte[64 * 1024];
    for (int n; (n = in.read(buf)) != -1; ) {
      d.update(buf, 0, n);
    }
    return d.digest();
  }
}
