package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code STOPSIGNAL SIGNAL}.
 *
 * @param range where
 * @param signal the signal name or number, as written
 */
public record StopSignal(SourceRange range, String signal) implements Instruction {
  /** Validates. */
  public StopSignal {
    Objects.requireNonNull(range);
    Objects.requireNonNull(signal);
  }
}
