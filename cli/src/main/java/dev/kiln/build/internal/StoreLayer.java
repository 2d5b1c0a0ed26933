package dev.kiln.build.internal;

import dev.kiln.layer.Compression;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Layer;
import dev.kiln.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;

/**
 * A layer whose blob is in a blob store, known by its descriptor and diffId (the build engine's
 * view of base layers and of the layers it writes).
 *
 * @param blobs where the blob is
 * @param descriptor the blob
 * @param diffId the uncompressed tar's digest
 */
public record StoreLayer(BlobStore blobs, Descriptor descriptor, Digest diffId) implements Layer {
  @Override
  public InputStream open() throws IOException {
    return blobs.blob(descriptor).open();
  }

  @Override
  public InputStream openUncompressed() throws IOException {
    return Compression.decompress(open());
  }
}
