package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;

/**
 * {@code ENV K=V …} or the legacy {@code ENV K V}.
 *
 * @param range where
 * @param pairs the variables in order
 * @param legacyForm whether the space-separated legacy form was used (a lint finding)
 */
public record Env(SourceRange range, List<KeyValue> pairs, boolean legacyForm) implements Instruction {
  /** Copies the list. */
  public Env {
    Objects.requireNonNull(range);
    pairs = List.copyOf(pairs);
  }
}
