package dev.kiln.build;

import java.util.List;
import java.util.Optional;

/**
 * A build failed. The message is one line naming the buildfile position and the step; a failed
 * RUN also carries the command's exit code and its last output lines.
 */
public final class BuildException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Optional<Step> step;
  private final int exitCode;
  private final transient List<String> lastLines;

  /**
   * A failure outside any step, or of a step that ran no command.
   *
   * @param message what failed
   * @param step the step, if any
   * @param cause the cause, or null
   */
  public BuildException(String message, Optional<Step> step, Throwable cause) {
    this(message, step, -1, List.of(), cause);
  }

  /**
   * A failure.
   *
   * @param message what failed
   * @param step the step, if any
   * @param exitCode the failed command's exit code, or -1
   * @param lastLines the command's last output lines
   * @param cause the cause, or null
   */
  public BuildException(String message, Optional<Step> step, int exitCode, List<String> lastLines, Throwable cause) {
    super(message, cause);
    this.step = step;
    this.exitCode = exitCode;
    this.lastLines = List.copyOf(lastLines);
  }

  /** The failed step, if the failure belongs to one. */
  public Optional<Step> step() {
    return step;
  }

  /** The failed command's exit code, or -1 when no command failed. */
  public int exitCode() {
    return exitCode;
  }

  /** The failed command's last output lines (at most 20). */
  public List<String> lastLines() {
    return lastLines;
  }
}
