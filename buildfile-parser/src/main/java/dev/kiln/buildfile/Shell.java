package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;

/**
 * {@code SHELL ["executable", "args"…]}: the shell for later shell-form commands (JSON form only).
 *
 * @param range where
 * @param shell the shell's argument vector, never empty
 */
public record Shell(SourceRange range, List<String> shell) implements Instruction {
  /** Copies the list. */
  public Shell {
    Objects.requireNonNull(range);
    shell = List.copyOf(shell);
  }
}
