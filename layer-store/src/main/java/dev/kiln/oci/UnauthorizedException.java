package dev.kiln.oci;

/**
 * A request that needs authentication ({@link ErrorCode#UNAUTHORIZED}, 401); carries the
 * {@code WWW-Authenticate} challenge so the client can answer it.
 */
public final class UnauthorizedException extends OciException {
  private static final long serialVersionUID = 1L;

  private final String challenge;

  /**
   * Creates the error.
   *
   * @param message what was refused (no credentials or token values)
   * @param challenge the {@code WWW-Authenticate} header value, or "" when none was given
   */
  public UnauthorizedException(String message, String challenge) {
    super(ErrorCode.UNAUTHORIZED, message);
    this.challenge = challenge;
  }

  /** Returns the {@code WWW-Authenticate} challenge, "" when none was given. */
  public String challenge() {
    return challenge;
  }
}
