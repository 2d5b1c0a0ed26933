package dev.kiln.runtime;

/** Where a container is in its life. */
public enum ContainerStatus {
  /** Bundle written, not started. */
  CREATED,
  /** Its process runs. */
  RUNNING,
  /** Its process ended (or setup failed). */
  EXITED
}
