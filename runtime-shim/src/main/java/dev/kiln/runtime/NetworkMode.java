package dev.kiln.runtime;

/** How a container reaches the network. */
public enum NetworkMode {
  /** A network namespace with only loopback. */
  NONE,
  /** The host's network namespace. */
  HOST,
  /** A namespace with a veth pair on the kiln bridge; published ports reach it from 127.0.0.1. */
  BRIDGE;

  /**
   * Parses {@code none|host|bridge}.
   *
   * @param text the option value
   * @return the mode
   * @throws IllegalArgumentException when the text names no mode
   */
  public static NetworkMode parse(String text) {
    return switch (text) {
      case "none" -> NONE;
      case "host" -> HOST;
      case "bridge" -> BRIDGE;
      default -> throw new IllegalArgumentException("network " + text + ": expected none, host or bridge");
    };
  }
}
