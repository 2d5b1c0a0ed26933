package dev.kiln.oci;

import java.util.Map;
import java.util.Optional;

/**
 * The parsed view of a manifest: an image manifest or an index. The canonical form is the
 * {@link RawManifest} it was parsed from; never re-serialise a manifest kiln did not write.
 */
public sealed interface Manifest permits ImageManifest, IndexManifest {
  /** Returns the schema version; always 2. */
  int schemaVersion();

  /** Returns the manifest's media type (OCI or Docker). */
  String mediaType();

  /** Returns the artifact type, for artifact manifests. */
  Optional<String> artifactType();

  /** Returns the subject, the manifest this one refers to (referrers API). */
  Optional<Descriptor> subject();

  /** Returns the annotations. */
  Map<String, String> annotations();

  /**
   * Serialises this manifest kiln wrote into its canonical bytes (compact JSON, fields in spec
   * order, map keys sorted).
   *
   * @return the raw manifest, with its digest
   */
  RawManifest toRaw();
}
