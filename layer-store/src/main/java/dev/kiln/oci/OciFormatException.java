package dev.kiln.oci;

import java.util.Objects;
import java.util.Optional;

/**
 * Malformed text handed to a {@code parse} method (a digest, reference or media type), with the spec
 * {@link ErrorCode} a registry answers with for it. Unchecked: the caller passed bad input.
 */
public final class OciFormatException extends IllegalArgumentException implements OciError {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /**
   * Creates the error.
   *
   * @param code the spec code, e.g. {@link ErrorCode#DIGEST_INVALID} or {@link ErrorCode#NAME_INVALID}
   * @param message which text, which part of it is wrong and why
   */
  public OciFormatException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  @Override
  public ErrorCode code() {
    return code;
  }

  @Override
  public int status() {
    return code.status();
  }

  @Override
  public Optional<Record> detail() {
    return Optional.empty();
  }
}
