package dev.kiln.buildfile;

import java.util.List;
import java.util.Objects;

/**
 * {@code VOLUME ["/a", "/b"]} or {@code VOLUME /a /b}.
 *
 * @param range where
 * @param paths the mount points as written
 */
public record Volume(SourceRange range, List<String> paths) implements Instruction {
  /** Copies the list. */
  public Volume {
    Objects.requireNonNull(range);
    paths = List.copyOf(paths);
  }
}
