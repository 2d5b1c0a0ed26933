package dev.kiln.oci;

import dev.kiln.oci.internal.ModelJson;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image index (OCI) or manifest list (Docker): descriptors of manifests, usually one per
 * platform. Also the shape of an OCI layout's {@code index.json}.
 *
 * @param schemaVersion always 2
 * @param mediaType {@link MediaTypes#OCI_INDEX} or {@link MediaTypes#DOCKER_MANIFEST_LIST}
 * @param artifactType the artifact type, for artifacts
 * @param manifests the manifest descriptors
 * @param subject the manifest this one refers to, for referrers
 * @param annotations the annotations
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md">image-spec
 *     v1.1.0, image index</a>
 */
public record IndexManifest(
    int schemaVersion,
    String mediaType,
    Optional<String> artifactType,
    List<Descriptor> manifests,
    Optional<Descriptor> subject,
    Map<String, String> annotations)
    implements Manifest {

  /** Checks and copies. */
  public IndexManifest {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
    }
    if (!MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("not an index media type: " + mediaType);
    }
    Objects.requireNonNull(artifactType, "artifactType");
    manifests = List.copyOf(manifests);
    Objects.requireNonNull(subject, "subject");
    annotations = Map.copyOf(annotations);
  }

  /**
   * Returns an OCI index of some manifests.
   *
   * @param manifests the manifest descriptors
   * @return the index
   */
  public static IndexManifest of(List<Descriptor> manifests) {
    return new IndexManifest(
        2, MediaTypes.OCI_INDEX, Optional.empty(), manifests, Optional.empty(), Map.of());
  }

  /**
   * Returns this index with other manifests.
   *
   * @param newManifests the manifest descriptors
   * @return the new index
   */
  public IndexManifest withManifests(List<Descriptor> newManifests) {
    return new IndexManifest(schemaVersion, mediaType, artifactType, newManifests, subject, annotations);
  }

  @Override
  public RawManifest toRaw() {
    return RawManifest.of(mediaType, ModelJson.writeManifest(this));
  }
}
