package dev.kiln.oci;

/** Content whose length is not the one declared ({@link ErrorCode#SIZE_INVALID}, 400). */
public final class SizeMismatchException extends OciException {
  private static final long serialVersionUID = 1L;

  private final long expected;
  private final long actual;

  /**
   * Creates the error.
   *
   * @param what the content checked
   * @param expected the declared size in bytes
   * @param actual the bytes read; at least {@code expected + 1} when the content ran over
   * @param ranOver whether the content was longer than declared (reading stopped there)
   */
  public SizeMismatchException(String what, long expected, long actual, boolean ranOver) {
    super(ErrorCode.SIZE_INVALID, ErrorCode.SIZE_INVALID.status(),
        what + ": expected " + expected + " bytes, got " + (ranOver ? "more" : actual),
        new Detail(expected, actual), null);
    this.expected = expected;
    this.actual = actual;
  }

  /** Returns the declared size in bytes. */
  public long expected() {
    return expected;
  }

  /** Returns the number of bytes read. */
  public long actual() {
    return actual;
  }

  /** The JSON detail of the error. */
  public record Detail(long expected, long actual) {}
}
