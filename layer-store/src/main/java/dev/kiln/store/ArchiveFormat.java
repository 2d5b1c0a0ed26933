package dev.kiln.store;

/** The tar formats images are saved to and loaded from. */
public enum ArchiveFormat {
  /**
   * An OCI image layout in a tar ({@code oci-layout}, {@code index.json}, {@code blobs/}), as
   * {@code podman save --format oci-archive} and {@code skopeo copy … oci-archive:} write.
   */
  OCI,
  /**
   * Docker's {@code docker save} format: {@code manifest.json} listing each image's config file,
   * tags and uncompressed layer tars, as {@code podman save --format docker-archive} writes.
   */
  DOCKER
}
