package dev.kiln.buildfile.ast;

import dev.kiln.buildfile.SourceRange;
import java.util.Objects;

/**
 * A parser directive from the head of the buildfile: {@code # syntax=}, {@code # escape=} or
 * {@code # check=}.
 *
 * @param name the directive name, lower case
 * @param value its value, trimmed
 * @param range the line it is on
 */
public record Directive(String name, String value, SourceRange range) {
  /** Validates. */
  public Directive {
    Objects.requireNonNull(name);
    Objects.requireNonNull(value);
    Objects.requireNonNull(range);
  }
}
