package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code MAINTAINER NAME} (deprecated: use a LABEL).
 *
 * @param range where
 * @param name the maintainer text, as written
 */
public record Maintainer(SourceRange range, String name) implements Instruction {
  /** Validates. */
  public Maintainer {
    Objects.requireNonNull(range);
    Objects.requireNonNull(name);
  }
}
