package dev.kiln.buildfile;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code FROM [--platform=P] IMAGE [AS NAME]}: starts a stage. The image stays a string (it may
 * hold variables and name another stage); the build engine parses the reference.
 *
 * @param range where
 * @param image the base image or stage name as written
 * @param stageName the stage name, lower-cased as BuildKit does; empty when there is none
 * @param platform the {@code --platform} value as written; empty when absent
 */
public record From(SourceRange range, String image, String stageName, String platform) implements Instruction {
  /** Validates. */
  public From {
    Objects.requireNonNull(range);
    Objects.requireNonNull(image);
    Objects.requireNonNull(stageName);
    Objects.requireNonNull(platform);
  }

  /** The stage name, when one is given. */
  public Optional<String> name() {
    return stageName.isEmpty() ? Optional.empty() : Optional.of(stageName);
  }
}
