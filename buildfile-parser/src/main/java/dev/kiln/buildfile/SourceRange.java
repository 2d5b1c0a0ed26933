package dev.kiln.buildfile;

import java.util.Objects;

/**
 * Where something is in a buildfile: 1-based lines and columns (columns count UTF-16 code units),
 * end inclusive of its line.
 *
 * @param file the buildfile's name as given to the parser
 * @param startLine first line
 * @param startColumn column on the first line
 * @param endLine last line
 * @param endColumn column on the last line
 */
public record SourceRange(String file, int startLine, int startColumn, int endLine, int endColumn) {
  /** Validates the positions. */
  public SourceRange {
    Objects.requireNonNull(file);
    if (startLine < 1 || startColumn < 1 || endLine < startLine || endColumn < 1) {
      throw new IllegalArgumentException(
          "bad range " + startLine + ":" + startColumn + "-" + endLine + ":" + endColumn);
    }
  }

  /** A range covering whole lines {@code start..end}. */
  public static SourceRange lines(String file, int start, int end) {
    return new SourceRange(file, start, 1, Math.max(start, end), 1);
  }

  /** A single position. */
  public static SourceRange at(String file, int line, int column) {
    return new SourceRange(file, line, column, line, column);
  }

  /** {@code file:line:column}, the form editors and terminals link. */
  @Override
  public String toString() {
    return file + ":" + startLine + ":" + startColumn;
  }
}
