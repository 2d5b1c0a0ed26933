package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds small one-layer images in a store for tests (a fixture, not kiln's layer writer). */
public final class TestImages {
  private TestImages() {}

  /**
   * Makes a tar of text files (mode 0644, mtime 0) in memory: test layers are tiny.
   *
   * @param files path → content
   * @return the tar bytes
   */
  public static byte[] tar(Map<String, String> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (Map.Entry<String, String> f : new java.util.TreeMap<>(files).entrySet()) {
        byte[] content = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(content.length);
        e.setMode(0644);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  /**
   * Stores a one-layer image and tags it.
   *
   * @param store the store
   * @param name the reference text, e.g. {@code test/app:1}
   * @param files the layer's files
   * @param gzip whether the layer is gzip-compressed
   * @return the manifest's descriptor
   */
  public static Descriptor oneLayer(LayoutImageStore store, String name, Map<String, String> files,
      boolean gzip) throws IOException {
    byte[] tar = tar(files);
    Digest diffId = Digests.sha256(tar);
    byte[] blob = tar;
    if (gzip) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(tar);
      }
      blob = out.toByteArray();
    }
    try (var _ = store.lease()) {
      Descriptor layer = store.blobs().put(new ByteArrayInputStream(blob),
          gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_TAR);
      ImageConfig config = ImageConfig.of(Platform.host())
          .withCreated(Instant.parse("2024-01-01T00:00:00Z"))
          .withConfig(ImageConfig.ContainerConfig.EMPTY)
          .withLayers(new ImageConfig.RootFs("layers", List.of(diffId)),
              List.of(new ImageConfig.History(java.util.Optional.empty(), "", "test " + name, "", false)));
      Descriptor configD = store.blobs().put(new ByteArrayInputStream(config.toJson()), MediaTypes.OCI_CONFIG);
      RawManifest raw = ImageManifest.of(configD, List.of(layer)).toRaw();
      Descriptor m = store.putManifest(raw);
      store.tag(Reference.parse(name, Reference.Defaults.DOCKER_HUB), m);
      return m;
    }
  }
}
