package dev.kiln.build;

import dev.kiln.layer.LayerOptions;
import dev.kiln.layer.LayerSource;
import dev.kiln.layer.LayerWriter;
import dev.kiln.layer.WrittenLayer;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Platform;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Test fixture: a busybox-static base image ({@code scripts/busybox-rootfs}) tagged busybox:latest. */
public final class BusyboxBase {
  private static Path rootfs;

  private BusyboxBase() {}

  /** The repository root: the nearest directory up from here holding scripts/busybox-rootfs. */
  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/busybox-rootfs"))) {
        return p;
      }
    }
    throw new IllegalStateException("scripts/busybox-rootfs not found above " + Path.of("").toAbsolutePath());
  }

  /** A busybox root file system, made once per JVM. */
  public static synchronized Path rootfs() throws IOException, InterruptedException {
    if (rootfs == null) {
      Path dir = Files.createTempDirectory("kiln-busybox-");
      Path target = dir.resolve("rootfs");
      Process p = new ProcessBuilder(repoRoot().resolve("scripts/busybox-rootfs").toString(), target.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IllegalStateException("busybox-rootfs failed (apt-get install busybox-static): " + out);
      }
      rootfs = target;
    }
    return rootfs;
  }

  /** Stores the busybox image in {@code store} as busybox:latest and returns its descriptor. */
  static Descriptor install(LayoutImageStore store) throws IOException, InterruptedException {
    LayerWriter writer = new LayerWriter(LayerOptions.defaults().withSourceDateEpoch(0));
    WrittenLayer wl = writer.write(new LayerSource.Directory(rootfs()), store.blobs());
    Descriptor layer = wl.descriptor();
    ImageConfig config = ImageConfig.of(Platform.host())
        .withConfig(new ImageConfig.ContainerConfig("", List.of(),
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of(), List.of("sh"),
            List.of(), "", java.util.Map.of(), "", false, Optional.empty(), List.of(), List.of()))
        .withLayers(new ImageConfig.RootFs("layers", List.of(wl.diffId())),
            List.of(new ImageConfig.History(Optional.of(Instant.EPOCH), "", "busybox-rootfs", "", false)))
        .withCreated(Instant.EPOCH);
    Descriptor cfg = store.blobs().put(new ByteArrayInputStream(config.toJson()), MediaTypes.OCI_CONFIG);
    Descriptor d = store.putManifest(ImageManifest.of(cfg, List.of(layer)).toRaw());
    store.tag(Reference.parse("busybox:latest", Reference.Defaults.DOCKER_HUB), d);
    return d;
  }
}
