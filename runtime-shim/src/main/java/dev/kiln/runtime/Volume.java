package dev.kiln.runtime;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A named volume: a directory kiln keeps across containers.
 *
 * @param name volume name
 * @param path host directory holding its data
 * @param created creation time
 */
public record Volume(String name, Path path, Instant created) {}
