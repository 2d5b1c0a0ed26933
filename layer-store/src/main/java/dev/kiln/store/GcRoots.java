package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import java.io.IOException;
import java.util.Collection;

/**
 * A source of garbage-collection roots beside the store's tags: the images containers run from,
 * the layers and configs the build cache refers to. Manifests and indexes among the roots keep
 * everything they reference.
 */
@FunctionalInterface
public interface GcRoots {
  /**
   * Returns the descriptors to keep.
   *
   * @return the roots
   * @throws IOException when they cannot be read; the collection is then abandoned
   */
  Collection<Descriptor> roots() throws IOException;
}
