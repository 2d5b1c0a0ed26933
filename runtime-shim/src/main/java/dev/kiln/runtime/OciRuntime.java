package dev.kiln.runtime;

/** Which program runs a container's bundle. */
public enum OciRuntime {
  /** kiln's own static shim (the default). */
  SHIM,
  /** crun (Debian package crun). */
  CRUN,
  /** runc (Debian package runc). */
  RUNC;

  /**
   * @param text {@code kiln|shim|crun|runc}
   * @return the runtime
   * @throws IllegalArgumentException on another name
   */
  public static OciRuntime parse(String text) {
    return switch (text) {
      case "kiln", "shim" -> SHIM;
      case "crun" -> CRUN;
      case "runc" -> RUNC;
      default -> throw new IllegalArgumentException("runtime " + text + ": expected shim, crun or runc");
    };
  }

  /** @return the command name of crun or runc */
  String command() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
