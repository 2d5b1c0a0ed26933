package dev.kiln.buildfile;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code HEALTHCHECK NONE} or {@code HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…]
 * [--start-interval=…] [--retries=…] CMD command}.
 *
 * @param range where
 * @param disabled {@code HEALTHCHECK NONE}: the base image's check is switched off
 * @param command the check (an empty exec form when disabled)
 * @param interval {@code --interval}, zero when not given (the runtime default applies)
 * @param timeout {@code --timeout}, zero when not given
 * @param startPeriod {@code --start-period}, zero when not given
 * @param startInterval {@code --start-interval}, zero when not given
 * @param retries {@code --retries}, zero when not given
 */
public record Healthcheck(
    SourceRange range,
    boolean disabled,
    CommandForm command,
    Duration interval,
    Duration timeout,
    Duration startPeriod,
    Duration startInterval,
    int retries)
    implements Instruction {
  /** Validates. */
  public Healthcheck {
    Objects.requireNonNull(range);
    Objects.requireNonNull(command);
    Objects.requireNonNull(interval);
    Objects.requireNonNull(timeout);
    Objects.requireNonNull(startPeriod);
    Objects.requireNonNull(startInterval);
  }
}
