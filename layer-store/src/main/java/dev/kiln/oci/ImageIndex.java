package dev.kiln.oci;

import java.io.IOException;

/** An index of images (or of further indexes). Implementations are named for their backing. */
public interface ImageIndex {
  /** Returns the index's exact bytes, media type and digest. */
  RawManifest rawManifest() throws IOException;

  /** Returns the parsed index. */
  IndexManifest manifest() throws IOException;

  /**
   * Returns the image a descriptor of this index points to.
   *
   * @param digest the image manifest's digest
   * @return the image
   * @throws ManifestUnknownException when the index has no such image
   */
  Image image(Digest digest) throws IOException;

  /**
   * Returns the nested index a descriptor of this index points to.
   *
   * @param digest the nested index's digest
   * @return the index
   * @throws ManifestUnknownException when the index has no such index
   */
  ImageIndex index(Digest digest) throws IOException;
}
