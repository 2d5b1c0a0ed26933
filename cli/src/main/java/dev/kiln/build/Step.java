package dev.kiln.build;

/**
 * One step of a build as the user sees it: {@code [number/total] text}.
 *
 * @param number 1-based, over the steps of every stage the build needs, in buildfile order
 * @param total the number of such steps
 * @param stage the stage's name, or its index when unnamed
 * @param text the instruction as written, e.g. {@code RUN make}
 * @param line the buildfile line the instruction starts on (0 for ONBUILD triggers)
 */
public record Step(int number, int total, String stage, String text, int line) {
  @Override
  public String toString() {
    return "[" + number + "/" + total + "] " + text;
  }
}
