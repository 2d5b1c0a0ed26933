package dev.kiln.oci;

/** An authenticated request to a resource the caller may not access ({@link ErrorCode#DENIED}, 403). */
public final class DeniedException extends OciException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what was denied
   */
  public DeniedException(String message) {
    super(ErrorCode.DENIED, message);
  }
}
