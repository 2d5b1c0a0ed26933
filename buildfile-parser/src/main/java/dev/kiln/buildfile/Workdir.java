package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code WORKDIR PATH}.
 *
 * @param range where
 * @param path the working directory, as written
 */
public record Workdir(SourceRange range, String path) implements Instruction {
  /** Validates. */
  public Workdir {
    Objects.requireNonNull(range);
    Objects.requireNonNull(path);
  }
}
