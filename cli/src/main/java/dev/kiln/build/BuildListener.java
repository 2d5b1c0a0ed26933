package dev.kiln.build;

import java.time.Duration;

/**
 * Receives a build's progress. Stages build in parallel, so calls come from several threads at
 * once: implementations must be thread-safe. Every method has an empty default.
 */
public interface BuildListener {
  /** A listener that ignores everything. */
  BuildListener NONE = new BuildListener() {};

  /**
   * A step starts (or is found in the cache).
   *
   * @param step the step's number and text
   */
  default void stepStarted(Step step) {}

  /**
   * Output of a running step, as it comes (stdout and stderr merged).
   *
   * @param step the step
   * @param bytes the output; only valid during the call
   * @param length how many bytes of {@code bytes} are output
   */
  default void stepOutput(Step step, byte[] bytes, int length) {}

  /**
   * A step finished.
   *
   * @param step the step
   * @param outcome whether it ran, was cached or only changed the config
   * @param elapsed how long it took
   */
  default void stepFinished(Step step, StepOutcome outcome, Duration elapsed) {}

  /**
   * Something the user should know that does not stop the build.
   *
   * @param message one line
   */
  default void warning(String message) {}
}
