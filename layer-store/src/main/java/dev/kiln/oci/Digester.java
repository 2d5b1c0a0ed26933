package dev.kiln.oci;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A streaming digest computation that also counts bytes. Not thread-safe: one writer at a time.
 * {@link #digest()} may be called once, when all bytes are in.
 */
public final class Digester {
  private final String algorithm;
  private final MessageDigest md;
  private long count;

  private Digester(String algorithm) {
    if (Digest.hexLength(algorithm) < 0) {
      throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
    }
    this.algorithm = algorithm;
    try {
      this.md = MessageDigest.getInstance(Digest.jcaName(algorithm));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 and SHA-512.
      throw new IllegalStateException(e);
    }
  }

  /** Returns a new sha256 digester. */
  public static Digester sha256() {
    return new Digester(Digest.SHA256);
  }

  /**
   * Returns a new digester for an algorithm.
   *
   * @param algorithm {@link Digest#SHA256} or {@link Digest#SHA512}
   * @return the digester
   */
  public static Digester of(String algorithm) {
    return new Digester(algorithm);
  }

  /** Returns this digester's algorithm. */
  public String algorithm() {
    return algorithm;
  }

  /**
   * Adds bytes.
   *
   * @param b the array
   * @param off the offset in it
   * @param len the number of bytes
   */
  public void update(byte[] b, int off, int len) {
    md.update(b, off, len);
    count += len;
  }

  /**
   * Adds one byte.
   *
   * @param b the byte, in the low 8 bits
   */
  public void update(int b) {
    md.update((byte) b);
    count++;
  }

  /**
   * Adds the remaining bytes of a buffer, consuming them.
   *
   * @param buffer the buffer
   */
  public void update(ByteBuffer buffer) {
    count += buffer.remaining();
    md.update(buffer);
  }

  /** Returns the number of bytes added so far. */
  public long count() {
    return count;
  }

  /** Finishes the computation and returns the digest of every byte added. */
  public Digest digest() {
    return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
  }
}
