package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ARG NAME[=default] …}. Before the first FROM these are global: visible to FROM lines and,
 * inside a stage, only after an {@code ARG NAME} (without a value) re-declares them.
 *
 * @param range where
 * @param definitions the names declared, in order
 */
public record Arg(SourceRange range, List<Arg.Definition> definitions) implements Instruction {
  /** Copies the list. */
  public Arg {
    Objects.requireNonNull(range);
    definitions = List.copyOf(definitions);
  }

  /**
   * One declared name.
   *
   * @param name the variable name
   * @param defaultValue its default as written (unexpanded); meaningful only when {@code hasDefault}
   * @param hasDefault whether {@code =} was given ({@code ARG X=} has an empty default)
   */
  public record Definition(String name, String defaultValue, boolean hasDefault) {
    /** Validates. */
    public Definition {
      Objects.requireNonNull(name);
      Objects.requireNonNull(defaultValue);
    }

    /** The default, when one was given. */
    public Optional<String> value() {
      return hasDefault ? Optional.of(defaultValue) : Optional.empty();
    }
  }
}
