package dev.kiln.remote;

import dev.kiln.oci.Platform;
import java.util.Objects;
import java.util.Optional;

/**
 * How to pull.
 *
 * @param platform the platform to pick from an index
 * @param allPlatforms pull every image of an index (and the index itself)
 * @param listener hears about each blob
 * @param tap sees layer bytes as they download, for pipelined unpacking
 */
public record PullOptions(Platform platform, boolean allPlatforms, TransferListener listener,
    Optional<LayerTap> tap) {
  /** Checks the parts. */
  public PullOptions {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(tap, "tap");
  }

  /** Returns the defaults: the host's platform, no listener, no tap. */
  public static PullOptions defaults() {
    return new PullOptions(Platform.host(), false, TransferListener.NONE, Optional.empty());
  }

  /**
   * Returns these options with another platform.
   *
   * @param p the platform
   * @return the new options
   */
  public PullOptions withPlatform(Platform p) {
    return new PullOptions(p, allPlatforms, listener, tap);
  }

  /**
   * Returns these options pulling every platform of an index, or not.
   *
   * @param all whether to
   * @return the new options
   */
  public PullOptions withAllPlatforms(boolean all) {
    return new PullOptions(platform, all, listener, tap);
  }

  /**
   * Returns these options with a listener.
   *
   * @param l the listener
   * @return the new options
   */
  public PullOptions withListener(TransferListener l) {
    return new PullOptions(platform, allPlatforms, l, tap);
  }

  /**
   * Returns these options with a layer tap.
   *
   * @param t the tap
   * @return the new options
   */
  public PullOptions withTap(LayerTap t) {
    return new PullOptions(platform, allPlatforms, listener, Optional.of(t));
  }
}
