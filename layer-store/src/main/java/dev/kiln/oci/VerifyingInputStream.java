package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Reads content that must have a declared digest and size. It hands out at most the declared number
 * of bytes; at the end it throws {@link SizeMismatchException} when the content was shorter or longer
 * and {@link DigestMismatchException} when its digest differs. A caller that reads to EOF without an
 * exception has exactly the declared content. Closing closes the wrapped stream. Not thread-safe.
 */
public final class VerifyingInputStream extends ReadThroughInputStream {
  private final String what;
  private final Digest expected;
  private final long size;
  private final Digester digester;
  private boolean verified;

  /**
   * Wraps a stream.
   *
   * @param in the content
   * @param expected the declared digest
   * @param size the declared size in bytes, or -1 when unknown (only the digest is checked)
   * @param what names the content in error messages, e.g. "blob sha256:… in archive x.tar"
   */
  public VerifyingInputStream(InputStream in, Digest expected, long size, String what) {
    super(in);
    this.expected = Objects.requireNonNull(expected, "expected");
    this.size = size;
    this.what = Objects.requireNonNull(what, "what");
    this.digester = Digester.of(expected.algorithm());
  }

  /**
   * Wraps a stream to verify it against a descriptor.
   *
   * @param in the content
   * @param descriptor its descriptor (digest and size)
   * @param what names the content in error messages
   * @return the verifying stream
   */
  public static VerifyingInputStream of(InputStream in, Descriptor descriptor, String what) {
    return new VerifyingInputStream(in, descriptor.digest(), descriptor.size(), what);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    long left = size < 0 ? Long.MAX_VALUE : size - digester.count();
    if (left <= 0) {
      verifyAtEnd();
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, left));
    if (n < 0) {
      verifyAtEnd();
      return -1;
    }
    digester.update(b, off, n);
    return n;
  }

  private void verifyAtEnd() throws IOException {
    if (verified) {
      return;
    }
    verified = true;
    long count = digester.count();
    if (size >= 0 && count < size) {
      throw new SizeMismatchException(what, size, count, false);
    }
    // At the declared size: one more byte means the content ran over.
    if (size >= 0 && in.read() >= 0) {
      throw new SizeMismatchException(what, size, count + 1, true);
    }
    Digest actual = digester.digest();
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(what, expected, actual);
    }
  }

  @Override
  public int available() throws IOException {
    return size < 0 ? in.available() : (int) Math.min(in.available(), size - digester.count());
  }

  /** Returns the number of bytes handed out so far. */
  public long count() {
    return digester.count();
  }
}
