package dev.kiln.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A container as {@code kiln ps} and {@code kiln inspect} show it: what was recorded at creation plus
 * what its status file says now.
 *
 * @param id 64 hex characters
 * @param name unique name
 * @param image what it runs (an image reference, or the root file system directory)
 * @param command the process arguments
 * @param runtime the runtime that runs it
 * @param created creation time
 * @param status status now
 * @param pid host pid of the container's init (0 when not running)
 * @param exitCode the exit code once exited
 * @param oomKilled whether the kernel's OOM killer killed a process of it
 * @param error the setup error when it could not start
 * @param address its IPv4 address on the kiln bridge, if any
 */
public record Container(String id, String name, String image, List<String> command, OciRuntime runtime, Instant created,
    ContainerStatus status, long pid, OptionalInt exitCode, boolean oomKilled, Optional<String> error, Optional<String> address) {
  /** Copies the command. */
  public Container {
    command = List.copyOf(command);
  }

  /** @return the first 12 characters of the id */
  public String shortId() {
    return id.substring(0, 12);
  }
}
