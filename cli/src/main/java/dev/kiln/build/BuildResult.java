package dev.kiln.build;

import dev.kiln.oci.Descriptor;
import java.util.List;
import java.util.Objects;

/**
 * A finished build: the image, stored in the local store untagged (the caller tags it), and what
 * became of every step.
 *
 * @param image the image manifest's descriptor in the local store
 * @param steps every step the build needed, in step-number order
 */
public record BuildResult(Descriptor image, List<StepRecord> steps) {
  /** Copies the list. */
  public BuildResult {
    Objects.requireNonNull(image, "image");
    steps = List.copyOf(steps);
  }

  /** The texts of the steps with the given outcome, in order (for reports and tests). */
  public List<String> texts(StepOutcome outcome) {
    return steps.stream().filter(s -> s.outcome() == outcome).map(s -> s.step().text()).toList();
  }
}
