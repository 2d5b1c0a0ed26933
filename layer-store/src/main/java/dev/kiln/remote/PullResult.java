package dev.kiln.remote;

import dev.kiln.oci.RawManifest;
import java.util.List;
import java.util.Objects;

/**
 * What a pull stored.
 *
 * @param manifest the manifest to tag: the image picked for the platform, or the index itself
 *     when every platform was pulled
 * @param images the image manifests whose blobs are now all stored
 */
public record PullResult(RawManifest manifest, List<RawManifest> images) {
  /** Checks and copies. */
  public PullResult {
    Objects.requireNonNull(manifest, "manifest");
    images = List.copyOf(images);
  }
}
