package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code CMD}: the default command or the default arguments of the ENTRYPOINT.
 *
 * @param range where
 * @param command exec or shell form
 */
public record Cmd(SourceRange range, CommandForm command) implements Instruction {
  /** Validates. */
  public Cmd {
    Objects.requireNonNull(range);
    Objects.requireNonNull(command);
  }
}
