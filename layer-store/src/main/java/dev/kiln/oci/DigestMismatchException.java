package dev.kiln.oci;

/** Content whose digest is not the one declared ({@link ErrorCode#DIGEST_INVALID}, 400). */
public final class DigestMismatchException extends OciException {
  private static final long serialVersionUID = 1L;

  private final transient Digest expected;
  private final transient Digest actual;

  /**
   * Creates the error.
   *
   * @param what the content checked, e.g. "blob in archive x.tar"
   * @param expected the declared digest
   * @param actual the digest of the bytes read
   */
  public DigestMismatchException(String what, Digest expected, Digest actual) {
    super(ErrorCode.DIGEST_INVALID, ErrorCode.DIGEST_INVALID.status(),
        what + ": expected digest " + expected + ", got " + actual,
        new Detail(expected.toString(), actual.toString()), null);
    this.expected = expected;
    this.actual = actual;
  }

  /** Returns the declared digest. */
  public Digest expected() {
    return expected;
  }

  /** Returns the digest of the bytes read. */
  public Digest actual() {
    return actual;
  }

  /** The JSON detail of the error. */
  public record Detail(String expected, String actual) {}
}
