package dev.kiln.oci;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * A checked failure touching content, disk or the network, with its spec {@link ErrorCode}. Being an
 * {@link IOException}, it can be thrown from a stream's {@code read()} as it is.
 */
public non-sealed class OciException extends IOException implements OciError {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final int status;
  private final transient Record detail;

  /**
   * Creates an error with the code's default status and no detail.
   *
   * @param code the spec code
   * @param message what failed, which object, expected vs actual
   */
  public OciException(ErrorCode code, String message) {
    this(code, code.status(), message, null, null);
  }

  /**
   * Creates an error with everything set.
   *
   * @param code the spec code
   * @param status the HTTP status, where the endpoint demands another than the code's default
   * @param message what failed
   * @param detail a JSON-serialisable detail record, or {@code null}
   * @param cause the cause, or {@code null}
   */
  public OciException(ErrorCode code, int status, String message, Record detail, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.status = status;
    this.detail = detail;
  }

  @Override
  public ErrorCode code() {
    return code;
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public Optional<Record> detail() {
    return Optional.ofNullable(detail);
  }
}
