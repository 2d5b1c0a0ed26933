package dev.kiln.runtime;

/**
 * A published TCP port: {@code 127.0.0.1:hostPort} forwards to the container's {@code containerPort}.
 *
 * @param hostPort port on the host's loopback
 * @param containerPort port inside the container
 */
public record PortMapping(int hostPort, int containerPort) {
  /** Validates the port numbers. */
  public PortMapping {
    if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
      throw new IllegalArgumentException("port mapping " + hostPort + ":" + containerPort + ": ports must be 1-65535");
    }
  }

  /**
   * Parses {@code HOSTPORT:CTRPORT}, {@code 127.0.0.1:HOSTPORT:CTRPORT} or {@code PORT}.
   *
   * @param text the {@code -p} value
   * @return the mapping
   * @throws IllegalArgumentException on a malformed value or another host address
   */
  public static PortMapping parse(String text) {
    String[] parts = text.replace("/tcp", "").split(":");
    try {
      return switch (parts.length) {
        case 1 -> new PortMapping(Integer.parseInt(parts[0]), Integer.parseInt(parts[0]));
        case 2 -> new PortMapping(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        case 3 -> {
          if (!parts[0].equals("127.0.0.1")) {
            throw new IllegalArgumentException("port " + text + ": only 127.0.0.1 can be published");
          }
          yield new PortMapping(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        }
        default -> throw new IllegalArgumentException("port " + text + ": expected HOSTPORT:CTRPORT");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port " + text + ": expected HOSTPORT:CTRPORT");
    }
  }
}
