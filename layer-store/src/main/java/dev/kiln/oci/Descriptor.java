package dev.kiln.oci;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A reference to content: its media type, digest and size, plus the optional fields of the image
 * spec. Unknown media types are kept as they are.
 *
 * @param mediaType the content's media type (any string; artifacts are legal)
 * @param digest the content's digest
 * @param size the content's size in bytes, ≥ 0
 * @param urls alternate download locations, possibly empty
 * @param annotations annotations, possibly empty
 * @param platform the platform, for index entries
 * @param artifactType the artifact type, for artifact manifests
 * @param data the embedded content (copied in and out; empty when absent)
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md">image-spec
 *     v1.1.0, descriptor</a>
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    List<String> urls,
    Map<String, String> annotations,
    Optional<Platform> platform,
    Optional<String> artifactType,
    byte[] data) {

  /** The annotation an OCI layout's index uses to name a tag. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  /** Checks and copies. */
  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("descriptor " + digest + ": negative size " + size);
    }
    urls = List.copyOf(urls);
    annotations = Map.copyOf(annotations);
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(artifactType, "artifactType");
    data = data.clone();
  }

  /**
   * Returns a descriptor with only media type, digest and size.
   *
   * @param mediaType the media type
   * @param digest the digest
   * @param size the size in bytes
   * @return the descriptor
   */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(
        mediaType, digest, size, List.of(), Map.of(), Optional.empty(), Optional.empty(), new byte[0]);
  }

  /** Returns a copy of the embedded data; empty when absent. */
  @Override
  public byte[] data() {
    return data.clone();
  }

  /**
   * Returns this descriptor with other annotations.
   *
   * @param newAnnotations the annotations
   * @return the new descriptor
   */
  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, urls, newAnnotations, platform, artifactType, data);
  }

  /**
   * Returns this descriptor with another media type.
   *
   * @param newMediaType the media type
   * @return the new descriptor
   */
  public Descriptor withMediaType(String newMediaType) {
    return new Descriptor(newMediaType, digest, size, urls, annotations, platform, artifactType, data);
  }

  /**
   * Returns this descriptor with a platform.
   *
   * @param newPlatform the platform
   * @return the new descriptor
   */
  public Descriptor withPlatform(Platform newPlatform) {
    return new Descriptor(
        mediaType, digest, size, urls, annotations, Optional.of(newPlatform), artifactType, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Descriptor d
        && mediaType.equals(d.mediaType)
        && digest.equals(d.digest)
        && size == d.size
        && urls.equals(d.urls)
        && annotations.equals(d.annotations)
        && platform.equals(d.platform)
        && artifactType.equals(d.artifactType)
        && Arrays.equals(data, d.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mediaType, digest, size, urls, annotations, platform, artifactType)
        * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Descriptor[" + mediaType + ", " + digest + ", " + size + " bytes]";
  }
}
