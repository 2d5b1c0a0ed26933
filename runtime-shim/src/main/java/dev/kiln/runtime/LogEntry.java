package dev.kiln.runtime;

import java.time.Instant;

/**
 * One line of container output as the shim logged it.
 *
 * @param time when the shim read it
 * @param stream {@code stdout} or {@code stderr}
 * @param text the bytes as text, including the trailing newline when the line had one
 */
public record LogEntry(Instant time, String stream, String text) {}
