package dev.kiln.oci;

/**
 * A manifest, index or config that is malformed, ambiguous or contradicts its content type
 * ({@link ErrorCode#MANIFEST_INVALID}, 400).
 */
public final class ManifestInvalidException extends OciException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message which document and what is wrong with it
   */
  public ManifestInvalidException(String message) {
    super(ErrorCode.MANIFEST_INVALID, message);
  }

  /**
   * Creates the error with a cause (e.g. the JSON parser's).
   *
   * @param message which document and what is wrong with it
   * @param cause the cause
   */
  public ManifestInvalidException(String message, Throwable cause) {
    super(ErrorCode.MANIFEST_INVALID, ErrorCode.MANIFEST_INVALID.status(), message, null, cause);
  }
}
