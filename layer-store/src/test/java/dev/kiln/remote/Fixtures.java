package dev.kiln.remote;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.store.BlobWriter;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Makes test images of uncompressed tar layers, each one file of pseudo-random bytes. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * Stores an image of {@code layers} layers of about {@code layerBytes} bytes each and tags it.
   *
   * @param store the store
   * @param name the reference to tag
   * @param layers how many layers
   * @param layerBytes the size of each layer's file
   * @param seed makes the content distinct between images
   * @return the manifest
   */
  public static RawManifest image(LayoutImageStore store, String name, int layers, long layerBytes,
      long seed) throws IOException {
    try (var _ = store.lease()) {
      List<Descriptor> descriptors = new ArrayList<>();
      List<Digest> diffIds = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(seed);
      byte[] buf = new byte[64 * 1024];
      for (int i = 0; i < layers; i++) {
        Descriptor d;
        try (BlobWriter w = store.blobs().openWriter()) {
          TarArchiveOutputStream tar = new TarArchiveOutputStream(new NoClose(w));
          TarArchiveEntry e = new TarArchiveEntry("data/layer-" + i + ".bin");
          e.setSize(layerBytes);
          e.setMode(0644);
          e.setModTime(0);
          tar.putArchiveEntry(e);
          for (long left = layerBytes; left > 0; left -= buf.length) {
            random.nextBytes(buf);
            tar.write(buf, 0, (int) Math.min(buf.length, left));
          }
          tar.closeArchiveEntry();
          tar.finish();
          d = w.commit(MediaTypes.OCI_LAYER_TAR);
        }
        descriptors.add(d);
        diffIds.add(d.digest());
      }
      ImageConfig config = ImageConfig.of(Platform.host())
          .withCreated(Instant.parse("2024-01-01T00:00:00Z"))
          .withConfig(ImageConfig.ContainerConfig.EMPTY)
          .withLayers(new ImageConfig.RootFs("layers", diffIds), List.of(
              new ImageConfig.History(Optional.empty(), "", "fixture " + name, "", false)));
      Descriptor configD = store.blobs().put(new ByteArrayInputStream(config.toJson()), MediaTypes.OCI_CONFIG);
      RawManifest raw = ImageManifest.of(configD, descriptors).toRaw();
      store.tag(Reference.parse(name, Reference.Defaults.DOCKER_HUB), store.putManifest(raw));
      return raw;
    }
  }

  private static final class NoClose extends java.io.FilterOutputStream {
    NoClose(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
