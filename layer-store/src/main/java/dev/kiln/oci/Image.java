package dev.kiln.oci;

import java.io.IOException;
import java.util.List;

/** An image: a manifest, its config and its layers. Implementations are named for their backing. */
public interface Image {
  /** Returns the manifest's exact bytes, media type and digest. */
  RawManifest rawManifest() throws IOException;

  /**
   * Returns the parsed manifest.
   *
   * @throws ManifestInvalidException when the manifest is malformed or not an image manifest
   */
  default ImageManifest manifest() throws IOException {
    if (rawManifest().manifest() instanceof ImageManifest m) {
      return m;
    }
    throw new ManifestInvalidException(
        "manifest " + rawManifest().digest() + " is an index, not an image manifest");
  }

  /** Returns the config blob, whose bytes are the config exactly as stored. */
  Blob configBlob() throws IOException;

  /** Returns the parsed config. */
  ImageConfig config() throws IOException;

  /** Returns the layers, base first. */
  List<Layer> layers() throws IOException;
}
