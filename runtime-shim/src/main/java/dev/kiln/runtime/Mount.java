package dev.kiln.runtime;

import java.util.List;
import java.util.Objects;

/**
 * One OCI runtime-spec mount: what goes at {@code destination} inside the container.
 *
 * @param destination absolute path inside the container
 * @param type file-system type ({@code bind} for bind mounts)
 * @param source host path, or a file-system specific source
 * @param options OCI options ({@code ro}, {@code nosuid}, {@code size=64m}, …)
 */
public record Mount(String destination, String type, String source, List<String> options) {
  /** Validates the destination and copies the options. */
  public Mount {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(source, "source");
    if (!destination.startsWith("/") || destination.contains("/../") || destination.endsWith("/..")) {
      throw new IllegalArgumentException("mount destination " + destination + ": must be an absolute path without ..");
    }
    options = List.copyOf(options);
  }

  /**
   * A bind mount of a host path.
   *
   * @param hostPath absolute host path
   * @param destination container path
   * @param readOnly whether writes are refused
   * @return the mount
   */
  public static Mount bind(String hostPath, String destination, boolean readOnly) {
    return new Mount(destination, "bind", hostPath, readOnly ? List.of("rbind", "ro") : List.of("rbind"));
  }

  /**
   * A tmpfs at {@code destination}.
   *
   * @param destination container path
   * @param extraOptions options such as {@code size=64m}
   * @return the mount
   */
  public static Mount tmpfs(String destination, List<String> extraOptions) {
    var options = new java.util.ArrayList<>(List.of("nosuid", "nodev"));
    options.addAll(extraOptions);
    return new Mount(destination, "tmpfs", "tmpfs", options);
  }

  /** @return true when this mount is a bind mount */
  public boolean isBind() {
    return type.equals("bind") || options.contains("bind") || options.contains("rbind");
  }
}
