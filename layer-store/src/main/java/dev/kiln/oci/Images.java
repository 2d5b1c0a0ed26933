package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;

/** Companion functions for {@link Image}: validation against the manifest. */
public final class Images {
  private Images() {}

  // Layer types whose blob is the uncompressed tar itself, so digest and diffId coincide.
  private static final Set<String> UNCOMPRESSED = Set.of(MediaTypes.OCI_LAYER_TAR,
      MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR, MediaTypes.DOCKER_LAYER_TAR);

  /**
   * Checks an image against its manifest by reading every blob once: the config's and every layer's
   * digest and size, the config's shape, one diffId per layer, and each layer's diffId (the digest of
   * its uncompressed tar). Reads streams only; never holds a layer in memory.
   *
   * @param image the image
   * @param what names the image in error messages, e.g. "archive x.tar, image busybox"
   * @throws DigestMismatchException when a blob or uncompressed layer has another digest
   * @throws SizeMismatchException when a blob has another size
   * @throws ManifestInvalidException when the config is malformed or lists another number of
   *     layers
   * @throws BlobUnknownException when a blob is missing
   * @throws IOException when reading fails
   */
  public static void validate(Image image, String what) throws IOException {
    ImageManifest manifest = image.manifest();
    drain(image.configBlob(), what + ", config");
    ImageConfig config = image.config();
    List<Layer> layers = image.layers();
    if (config.rootfs().diffIds().size() != manifest.layers().size()) {
      throw new ManifestInvalidException(what + ": manifest has " + manifest.layers().size()
          + " layers but config lists " + config.rootfs().diffIds().size() + " diff_ids");
    }
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      String layerWhat = what + ", layer " + i + " (" + layer.descriptor().digest() + ")";
      drain(layer, layerWhat);
      if (UNCOMPRESSED.contains(MediaTypes.essence(layer.descriptor().mediaType()))) {
        if (!layer.descriptor().digest().equals(layer.diffId())) {
          throw new DigestMismatchException(layerWhat + " diffId", layer.diffId(), layer.descriptor().digest());
        }
        continue;
      }
      Digest diffId;
      try (InputStream in = layer.openUncompressed()) {
        diffId = Digests.of(layer.diffId().algorithm(), in);
      }
      if (!diffId.equals(layer.diffId())) {
        throw new DigestMismatchException(layerWhat + " diffId", layer.diffId(), diffId);
      }
    }
  }

  private static void drain(Blob blob, String what) throws IOException {
    try (InputStream in = VerifyingInputStream.of(blob.open(), blob.descriptor(), what)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
