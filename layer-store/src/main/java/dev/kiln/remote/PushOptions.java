package dev.kiln.remote;

import java.util.List;
import java.util.Objects;

/**
 * How to push.
 *
 * @param mountFrom repositories of the destination registry that may already hold the blobs
 *     (cross-repository mount is tried from the first)
 * @param listener hears about each blob
 */
public record PushOptions(List<String> mountFrom, TransferListener listener) {
  /** Checks and copies. */
  public PushOptions {
    mountFrom = List.copyOf(mountFrom);
    Objects.requireNonNull(listener, "listener");
  }

  /** Returns the defaults: no mount sources, no listener. */
  public static PushOptions defaults() {
    return new PushOptions(List.of(), TransferListener.NONE);
  }
}
