package dev.kiln.oci;

import dev.kiln.oci.internal.ModelJson;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image manifest (OCI or Docker schema 2): a config and an ordered list of layers.
 *
 * @param schemaVersion always 2
 * @param mediaType {@link MediaTypes#OCI_MANIFEST} or {@link MediaTypes#DOCKER_MANIFEST}
 * @param artifactType the artifact type, for artifacts
 * @param config the config descriptor
 * @param layers the layer descriptors, base first
 * @param subject the manifest this one refers to, for referrers
 * @param annotations the annotations
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md">image-spec v1.1.0,
 *     manifest</a>
 */
public record ImageManifest(
    int schemaVersion,
    String mediaType,
    Optional<String> artifactType,
    Descriptor config,
    List<Descriptor> layers,
    Optional<Descriptor> subject,
    Map<String, String> annotations)
    implements Manifest {

  /** Checks and copies. */
  public ImageManifest {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
    }
    if (!MediaTypes.isImageManifest(mediaType)) {
      throw new IllegalArgumentException("not an image manifest media type: " + mediaType);
    }
    Objects.requireNonNull(artifactType, "artifactType");
    Objects.requireNonNull(config, "config");
    layers = List.copyOf(layers);
    Objects.requireNonNull(subject, "subject");
    annotations = Map.copyOf(annotations);
  }

  /**
   * Returns an OCI image manifest with a config and layers.
   *
   * @param config the config descriptor
   * @param layers the layer descriptors, base first
   * @return the manifest
   */
  public static ImageManifest of(Descriptor config, List<Descriptor> layers) {
    return new ImageManifest(
        2, MediaTypes.OCI_MANIFEST, Optional.empty(), config, layers, Optional.empty(), Map.of());
  }

  /**
   * Returns this manifest with other layers.
   *
   * @param newLayers the layer descriptors
   * @return the new manifest
   */
  public ImageManifest withLayers(List<Descriptor> newLayers) {
    return new ImageManifest(
        schemaVersion, mediaType, artifactType, config, newLayers, subject, annotations);
  }

  /**
   * Returns this manifest with another config.
   *
   * @param newConfig the config descriptor
   * @return the new manifest
   */
  public ImageManifest withConfig(Descriptor newConfig) {
    return new ImageManifest(
        schemaVersion, mediaType, artifactType, newConfig, layers, subject, annotations);
  }

  @Override
  public RawManifest toRaw() {
    return RawManifest.of(mediaType, ModelJson.writeManifest(this));
  }
}
