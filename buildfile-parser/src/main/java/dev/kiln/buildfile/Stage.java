package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A build stage: a FROM and the instructions up to the next FROM.
 *
 * @param index position among the stages, from 0 (what {@code COPY --from=0} names)
 * @param from the FROM that starts it
 * @param instructions the instructions after the FROM
 */
public record Stage(int index, From from, List<Instruction> instructions) {
  /** Copies the list. */
  public Stage {
    if (index < 0) {
      throw new IllegalArgumentException("negative stage index");
    }
    Objects.requireNonNull(from);
    instructions = List.copyOf(instructions);
  }

  /** The stage name ({@code AS name}), lower case, when given. */
  public Optional<String> name() {
    return from.name();
  }
}
