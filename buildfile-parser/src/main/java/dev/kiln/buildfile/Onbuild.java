package dev.kiln.buildfile;

import java.util.Objects;

/**
 * {@code ONBUILD INSTRUCTION}: a trigger stored in the image and run by builds that use it as a
 * base. ONBUILD, FROM and MAINTAINER are not allowed as triggers.
 *
 * @param range where
 * @param trigger the trigger, parsed
 * @param expression the trigger's source text (heredocs appended), as stored in the image config
 */
public record Onbuild(SourceRange range, Instruction trigger, String expression) implements Instruction {
  /** Validates. */
  public Onbuild {
    Objects.requireNonNull(range);
    Objects.requireNonNull(trigger);
    Objects.requireNonNull(expression);
  }
}
