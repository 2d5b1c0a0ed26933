package dev.kiln.buildfile;

import java.util.Objects;

/**
 * GROUP:{@code USER NAME[:GROUP]}.
 *
 * @param range where
 * @param user the user name or UID, optionally , as written
 */
public record User(SourceRange range, String user) implements Instruction {
  /** Validates. */
  public User {
    Objects.requireNonNull(range);
    Objects.requireNonNull(user);
  }
}
