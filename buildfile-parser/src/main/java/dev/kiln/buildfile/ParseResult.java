package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.Directive;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed buildfile.
 *
 * @param file the buildfile's name
 * @param globalArgs the ARG instructions before the first FROM
 * @param stages the stages in order
 * @param directives the parser directives
 * @param escape the escape character in force ({@code \} or {@code `})
 * @param warnings findings of the parse itself (lint adds more: {@link Lint})
 */
public record ParseResult(
    String file, List<Arg> globalArgs, List<Stage> stages, List<Directive> directives, char escape, List<Warning> warnings) {
  /** Copies the lists. */
  public ParseResult {
    Objects.requireNonNull(file);
    globalArgs = List.copyOf(globalArgs);
    stages = List.copyOf(stages);
    directives = List.copyOf(directives);
    warnings = List.copyOf(warnings);
  }

  /**
   * The stage a {@code --from} or {@code FROM} reference names among the stages before {@code
   * beforeIndex}: a stage name (case-insensitive) or a stage index. Empty means the reference is an
   * image.
   */
  public Optional<Stage> stage(String reference, int beforeIndex) {
    String ref = reference.toLowerCase(Locale.ROOT);
    int limit = Math.min(beforeIndex, stages.size());
    for (int i = 0; i < limit; i++) {
      if (stages.get(i).name().filter(ref::equals).isPresent()) {
        return Optional.of(stages.get(i));
      }
    }
    if (!ref.isEmpty() && ref.chars().allMatch(c -> c >= '0' && c <= '9') && ref.length() < 10) {
      int index = Integer.parseInt(ref);
      if (index < limit) {
        return Optional.of(stages.get(index));
      }
    }
    return Optional.empty();
  }
}
