package dev.kiln.layer;

import dev.kiln.oci.Digest;
import java.util.Objects;

/**
 * What applying a layer found.
 *
 * @param diffId the digest of the uncompressed tar, computed while applying
 * @param uncompressedSize the uncompressed tar's size in bytes
 * @param entries how many entries were applied (whiteouts included)
 */
public record AppliedLayer(Digest diffId, long uncompressedSize, long entries) {
  /** Checks. */
  public AppliedLayer {
    Objects.requireNonNull(diffId, "diffId");
  }
}
