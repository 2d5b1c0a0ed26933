package dev.kiln.cli;

/** A user-facing failure of a command, printed as one line with exit code 125. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }
}
