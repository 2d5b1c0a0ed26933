package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;

/**
 * {@code LABEL K=V …} or the legacy {@code LABEL K V}.
 *
 * @param range where
 * @param pairs the labels in order
 * @param legacyForm whether the space-separated legacy form was used
 */
public record Label(SourceRange range, List<KeyValue> pairs, boolean legacyForm) implements Instruction {
  /** Copies the list. */
  public Label {
    Objects.requireNonNull(range);
    pairs = List.copyOf(pairs);
  }
}
