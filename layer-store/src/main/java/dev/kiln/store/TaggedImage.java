package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import java.util.Objects;

/**
 * A tag of the local store: a reference and the manifest (or index) it names.
 *
 * @param reference the reference, with a tag
 * @param descriptor the manifest's descriptor
 */
public record TaggedImage(dev.kiln.oci.Reference reference, Descriptor descriptor) {
  /** Checks. */
  public TaggedImage {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(descriptor, "descriptor");
  }
}
