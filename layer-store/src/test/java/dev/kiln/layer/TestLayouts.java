package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A bare OCI image layout for interop tests (written by hand here so these tests do not depend on
 * the store), plus running peer tools.
 */
final class TestLayouts {
  private TestLayouts() {}

  /** Finds the repository root: the directory holding scripts/busybox-rootfs. */
  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/busybox-rootfs"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no scripts/busybox-rootfs above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** Runs a command, failing the test with its output when it fails or the tool is missing. */
  static String run(String debianPackage, String... cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(cmd[0] + " is missing: apt-get install -y " + debianPackage, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + ": timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  static Path blob(Path layout, Digest d) {
    return layout.resolve("blobs").resolve(d.algorithm()).resolve(d.encoded());
  }

  /** Writes a one-image layout whose only layer is the given blob file. */
  static void writeImage(Path layout, String tag, Path layerBlob, WrittenLayer layer) throws IOException {
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.copy(layerBlob, blob(layout, layer.descriptor().digest()));
    ImageConfig config = ImageConfig.of(Platform.of("linux", "amd64", ""))
        .withLayers(new ImageConfig.RootFs("layers", List.of(layer.diffId())), List.of());
    byte[] configBytes = config.toJson();
    Digest configDigest = Digests.sha256(configBytes);
    Files.write(blob(layout, configDigest), configBytes);
    RawManifest m = ImageManifest.of(
        Descriptor.of(dev.kiln.oci.MediaTypes.OCI_CONFIG, configDigest, configBytes.length),
        List.of(layer.descriptor())).toRaw();
    Files.write(blob(layout, m.digest()), m.bytes());
    RawManifest index = IndexManifest.of(List.of(m.descriptor().withAnnotations(Map.of(Descriptor.REF_NAME, tag)))).toRaw();
    Files.write(layout.resolve("index.json"), index.bytes());
  }

  /** Returns the layer descriptors of the image tagged {@code tag} in a layout. */
  static List<Descriptor> layers(Path layout, String tag) throws IOException {
    IndexManifest index = (IndexManifest) RawManifest.from(
        Files.readAllBytes(layout.resolve("index.json")), "", "index.json").manifest();
    for (Descriptor d : index.manifests()) {
      if (tag.equals(d.annotations().get(Descriptor.REF_NAME))) {
        Manifest m = RawManifest.from(Files.readAllBytes(blob(layout, d.digest())), "", "manifest").manifest();
        return new ArrayList<>(((ImageManifest) m).layers());
      }
    }
    throw new AssertionError("no tag " + tag + " in " + layout);
  }

  /** Applies every layer of a layout's image, in order, onto a directory. */
  static void applyAll(Path layout, String tag, Path target) throws IOException {
    Files.createDirectories(target);
    for (Descriptor d : layers(layout, tag)) {
      try (InputStream in = Files.newInputStream(blob(layout, d.digest()))) {
        new LayerApplier(ApplyOptions.defaults()).apply(in, target);
      }
    }
  }
}
