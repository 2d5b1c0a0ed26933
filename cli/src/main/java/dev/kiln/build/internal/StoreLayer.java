package dev.kiln.build.internal;

import com.github.luben.zstd.ZstdInputStream;
import dev.kiln.layer.Compression;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Layer;
import dev.kiln.store.BlobStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

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
    BufferedInputStream in = new BufferedInputStream(open());
    in.mark(4);
    byte[] head = in.readNBytes(4);
    in.reset();
    return switch (Compression.detect(head, head.length)) {
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case ZSTD -> new ZstdInputStream(in);
      case NONE -> in;
    };
  }
}
