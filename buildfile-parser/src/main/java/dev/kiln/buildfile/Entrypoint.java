package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code ENTRYPOINT}: the executable of the container.
 *
 * @param range where
 * @param command exec or shell form
 */
public record Entrypoint(SourceRange range, CommandForm command) implements Instruction {
  /** Validates. */
  public Entrypoint {
    Objects.requireNonNull(range);
    Objects.requireNonNull(command);
  }
}
