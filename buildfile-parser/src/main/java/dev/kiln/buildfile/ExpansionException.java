package dev.kiln.buildfile;

/**
 * A word could not be expanded: an unterminated quote or {@code ${}}, a bad substitution, or a
 * {@code ${VAR?message}} whose variable is unset. {@link ShellWords} knows no source positions;
 * callers that do turn this into a {@link BuildfileException} at the instruction.
 */
public final class ExpansionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the word
   */
  public ExpansionException(String message) {
    super(message, null, false, false);
  }
}
