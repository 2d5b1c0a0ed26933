package dev.kiln.buildfile;

import java.util.Objects;
import java.util.Optional;

/**
 * A buildfile cannot be parsed. The message reads {@code file:line:column: problem}; the problem
 * names the offending text and, where one helps, how to fix it ("unknown instruction: COPPY — did
 * you mean COPY?"). The only exception the parser throws for bad input.
 */
public final class BuildfileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient SourceRange range;
  private final String problem;
  private final String sourceLine;

  /**
   * @param range where the problem is
   * @param problem what is wrong, one line
   * @param sourceLine the offending source line (may be empty)
   */
  public BuildfileException(SourceRange range, String problem, String sourceLine) {
    super(range + ": " + problem, null, false, false);
    this.range = Objects.requireNonNull(range);
    this.problem = Objects.requireNonNull(problem);
    this.sourceLine = Objects.requireNonNull(sourceLine);
  }

  /**
   * @param range where the problem is
   * @param problem what is wrong, one line
   */
  public BuildfileException(SourceRange range, String problem) {
    this(range, problem, "");
  }

  /** Where the problem is. */
  public SourceRange range() {
    return range;
  }

  /** What is wrong, without the position. */
  public String problem() {
    return problem;
  }

  /** The offending source line, when known. */
  public Optional<String> sourceLine() {
    return sourceLine.isEmpty() ? Optional.empty() : Optional.of(sourceLine);
  }
}
