package dev.kiln.layer;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import java.util.Objects;

/**
 * What writing a layer produced, all computed in the one pass that wrote the blob.
 *
 * @param diffId the digest of the uncompressed tar (the config's {@code rootfs.diff_ids} entry)
 * @param uncompressedSize the size of the uncompressed tar in bytes
 * @param descriptor the blob's media type, digest and size (the manifest's layer entry)
 */
public record WrittenLayer(Digest diffId, long uncompressedSize, Descriptor descriptor) {
  /** Checks. */
  public WrittenLayer {
    Objects.requireNonNull(diffId, "diffId");
    Objects.requireNonNull(descriptor, "descriptor");
  }
}
