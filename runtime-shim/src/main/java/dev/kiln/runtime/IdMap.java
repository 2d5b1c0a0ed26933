package dev.kiln.runtime;

/**
 * One user-namespace ID mapping: container IDs {@code containerId…containerId+size-1} are host IDs
 * {@code hostId…}.
 *
 * @param containerId first ID inside the container
 * @param hostId first ID on the host
 * @param size how many IDs
 */
public record IdMap(long containerId, long hostId, long size) {
  /** Validates the range. */
  public IdMap {
    if (containerId < 0 || hostId < 0 || size < 1 || containerId + size > 4294967295L || hostId + size > 4294967295L) {
      throw new IllegalArgumentException("id map " + containerId + ":" + hostId + ":" + size + ": out of range");
    }
  }

  /**
   * Parses podman's {@code CONTAINER:HOST:SIZE}.
   *
   * @param text the option value
   * @return the mapping
   * @throws IllegalArgumentException on a malformed value
   */
  public static IdMap parse(String text) {
    String[] f = text.split(":");
    try {
      if (f.length != 3) throw new NumberFormatException();
      return new IdMap(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("id map " + text + ": expected CONTAINER-ID:HOST-ID:SIZE");
    }
  }

  /** @return the host ID of container ID 0 when this range maps it */
  long hostOf(long id) {
    return id >= containerId && id < containerId + size ? hostId + (id - containerId) : -1;
  }
}
