package dev.kiln.oci;

import java.util.Optional;

/**
 * An error that carries a distribution-spec {@link ErrorCode}. Two roots: {@link OciException}
 * (checked, for content, disk and network) and {@link OciFormatException} (unchecked, for malformed
 * text handed to a {@code parse} method).
 */
public sealed interface OciError permits OciException, OciFormatException {
  /** Returns the spec error code. */
  ErrorCode code();

  /** Returns the HTTP status to answer with; the code's default unless the throw site overrode it. */
  int status();

  /** Returns the error's detail, a small record that serialises to JSON, if any. */
  Optional<Record> detail();

  /** Returns the one-line message. */
  String getMessage();
}
