package dev.kiln.buildfile;

import java.util.Objects;

/**
 * A finding that does not stop the parse: a lint rule or a deprecated form.
 *
 * @param rule BuildKit's rule name where one exists (e.g. {@code NoEmptyContinuation})
 * @param message what was found, one line
 * @param range where
 */
public record Warning(String rule, String message, SourceRange range) {
  /** Validates. */
  public Warning {
    Objects.requireNonNull(rule);
    Objects.requireNonNull(message);
    Objects.requireNonNull(range);
  }

  /** {@code file:line:column: Rule: message}. */
  @Override
  public String toString() {
    return range + ": " + rule + ": " + message;
  }
}
