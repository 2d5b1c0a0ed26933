package dev.kiln.runtime;

import java.io.IOException;

/**
 * A container could not be set up or started; {@link #stage()} names the step and {@link #errno()}
 * the system error (0 when none). {@link #exitCode()} is the status Docker uses for the case.
 */
public final class ShimException extends IOException {
  private static final long serialVersionUID = 1L;

  /** errno values the exit code depends on. */
  static final int ENOENT = 2;
  static final int EACCES = 13;

  private final String stage;
  private final int errno;

  /**
   * @param stage the step that failed, e.g. {@code exec} or {@code mount /proc}
   * @param errno the errno, or 0
   * @param message what failed, naming the object
   */
  public ShimException(String stage, int errno, String message) {
    super(message);
    this.stage = stage;
    this.errno = errno;
  }

  /** @return the step that failed */
  public String stage() {
    return stage;
  }

  /** @return the errno, or 0 */
  public int errno() {
    return errno;
  }

  /** @return 127 for a command not found, 126 for one that cannot be run, 125 otherwise */
  public int exitCode() {
    if (stage.equals("exec")) return errno == ENOENT ? 127 : 126;
    return 125;
  }
}
