package dev.kiln.buildfile;

import java.util.Objects;

/**
 * One {@code KEY=VALUE} of ENV or LABEL, as written (quotes and escapes still in place; the builder
 * expands them with {@link ShellWords}).
 *
 * @param key the key
 * @param value the value
 */
public record KeyValue(String key, String value) {
  /** Validates. */
  public KeyValue {
    Objects.requireNonNull(key);
    Objects.requireNonNull(value);
  }
}
