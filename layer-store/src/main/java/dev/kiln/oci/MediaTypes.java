package dev.kiln.oci;

import java.util.Set;

/**
 * Media type constants of the OCI image spec and Docker image manifest schema 2. Unknown media types
 * stay plain strings everywhere (artifacts are legal), so these are constants, not an enum.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/media-types.md">image-spec
 *     v1.1.0, media types</a>
 */
public final class MediaTypes {
  private MediaTypes() {}

  /** OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  /** OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  /** OCI image config. */
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  /** OCI image layout's {@code oci-layout} file. */
  public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
  /** OCI uncompressed tar layer. */
  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  /** OCI gzip layer. */
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  /** OCI zstd layer. */
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  /** OCI non-distributable uncompressed layer (deprecated by image-spec 1.1, still read). */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR =
      "application/vnd.oci.image.layer.nondistributable.v1.tar";
  /** OCI non-distributable gzip layer (deprecated by image-spec 1.1, still read). */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  /** OCI non-distributable zstd layer (deprecated by image-spec 1.1, still read). */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
  /** The empty JSON descriptor's media type ({@code {}}, for artifacts). */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  /** Docker image manifest, schema 2. */
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  /** Docker manifest list. */
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  /** Docker container config. */
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  /** Docker gzip layer. */
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  /** Docker foreign (non-distributable) gzip layer. */
  public static final String DOCKER_LAYER_FOREIGN_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  /** Docker uncompressed layer, as written by some tools (e.g. podman save). */
  public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
  /** Docker schema 1 signed manifest: recognised only to be refused. */
  public static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";

  /** The digest of the empty JSON {@code {}}, the content of {@link #OCI_EMPTY} blobs. */
  public static final String EMPTY_JSON_DIGEST =
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

  private static final Set<String> IMAGE_MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
  private static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
  private static final Set<String> LAYERS = Set.of(
      OCI_LAYER_TAR, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_LAYER_NONDISTRIBUTABLE_TAR,
      OCI_LAYER_NONDISTRIBUTABLE_GZIP, OCI_LAYER_NONDISTRIBUTABLE_ZSTD, DOCKER_LAYER_GZIP,
      DOCKER_LAYER_FOREIGN_GZIP, DOCKER_LAYER_TAR);
  private static final Set<String> NON_DISTRIBUTABLE = Set.of(
      OCI_LAYER_NONDISTRIBUTABLE_TAR, OCI_LAYER_NONDISTRIBUTABLE_GZIP,
      OCI_LAYER_NONDISTRIBUTABLE_ZSTD, DOCKER_LAYER_FOREIGN_GZIP);

  /**
   * Returns whether a media type names an image manifest (OCI or Docker schema 2).
   *
   * @param mediaType a media type, parameters allowed
   * @return whether it is an image manifest type
   */
  public static boolean isImageManifest(String mediaType) {
    return IMAGE_MANIFESTS.contains(essence(mediaType));
  }

  /**
   * Returns whether a media type names an index (OCI index or Docker manifest list).
   *
   * @param mediaType a media type, parameters allowed
   * @return whether it is an index type
   */
  public static boolean isIndex(String mediaType) {
    return INDEXES.contains(essence(mediaType));
  }

  /**
   * Returns whether a media type names a manifest of either kind.
   *
   * @param mediaType a media type, parameters allowed
   * @return whether it is an image manifest or index type
   */
  public static boolean isManifest(String mediaType) {
    return isImageManifest(mediaType) || isIndex(mediaType);
  }

  /**
   * Returns whether a media type names a known layer type.
   *
   * @param mediaType a media type, parameters allowed
   * @return whether it is a layer type
   */
  public static boolean isLayer(String mediaType) {
    return LAYERS.contains(essence(mediaType));
  }

  /**
   * Returns whether a media type names a non-distributable (foreign) layer.
   *
   * @param mediaType a media type, parameters allowed
   * @return whether pushes should skip it
   */
  public static boolean isNonDistributable(String mediaType) {
    return NON_DISTRIBUTABLE.contains(essence(mediaType));
  }

  /** Returns the media type without parameters, e.g. {@code a/b; charset=x} → {@code a/b}. */
  static String essence(String mediaType) {
    int semi = mediaType.indexOf(';');
    return (semi < 0 ? mediaType : mediaType.substring(0, semi)).strip();
  }
}
