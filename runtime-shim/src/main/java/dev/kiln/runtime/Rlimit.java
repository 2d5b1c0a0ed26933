package dev.kiln.runtime;

import java.util.Locale;

/**
 * A resource limit for the container process.
 *
 * @param type OCI name, e.g. {@code RLIMIT_NOFILE}
 * @param soft soft limit
 * @param hard hard limit
 */
public record Rlimit(String type, long soft, long hard) {
  /** Validates the order of the limits. */
  public Rlimit {
    if (!type.startsWith("RLIMIT_")) throw new IllegalArgumentException("rlimit " + type + ": expected RLIMIT_*");
    if (soft > hard) throw new IllegalArgumentException("rlimit " + type + ": soft " + soft + " above hard " + hard);
  }

  /**
   * Parses Docker's {@code --ulimit nofile=1024:2048}.
   *
   * @param text the option value
   * @return the limit
   * @throws IllegalArgumentException on a malformed value
   */
  public static Rlimit parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("ulimit " + text + ": expected NAME=SOFT[:HARD]");
    String[] values = text.substring(eq + 1).split(":");
    try {
      long soft = Long.parseLong(values[0]);
      long hard = values.length > 1 ? Long.parseLong(values[1]) : soft;
      return new Rlimit("RLIMIT_" + text.substring(0, eq).toUpperCase(Locale.ROOT), soft, hard);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ulimit " + text + ": expected NAME=SOFT[:HARD]");
    }
  }
}
