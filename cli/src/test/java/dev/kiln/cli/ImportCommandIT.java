package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln import} end to end: a busybox root filesystem (as a directory and as a tar) becomes a
 * tagged one-layer image that skopeo inspects and umoci unpacks to the same files.
 */
class ImportCommandIT {
  @TempDir Path tmp;

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/busybox-rootfs"))) {
      p = p.getParent();
    }
    return p;
  }

  private static String run(String pkg, String... cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(cmd[0] + " is missing: apt-get install -y " + pkg, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", cmd) + ": timed out");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  private String kiln(int expected, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    assertEquals(expected, code, "kiln " + String.join(" ", args) + ": " + err);
    return expected == 0 ? out.toString() : err.toString();
  }

  @Test
  void importsADirectoryAndATarAsOneLayerImages() throws Exception {
    Path rootfs = tmp.resolve("rootfs");
    run("busybox-static", repoRoot().resolve("scripts/busybox-rootfs").toString(), rootfs.toString());
    Path store = tmp.resolve("store");

    String digest = kiln(0, "--root", store.toString(), "import", rootfs.toString(), "busybox:latest",
        "--change", "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "--change", "ENV PATH=/bin:/usr/bin",
        "--change", "WORKDIR /root").strip();
    assertTrue(digest.startsWith("sha256:"), digest);

    LayoutImageStore s = LayoutImageStore.open(store);
    Descriptor d = s.resolve("busybox:latest");
    assertEquals(digest, d.digest().toString());
    LayoutImage image = s.image(d);
    ImageConfig config = image.config();
    assertEquals(List.of("/bin/sh", "-c", "echo hi"), config.config().cmd());
    assertEquals(List.of("PATH=/bin:/usr/bin"), config.config().env());
    assertEquals("/root", config.config().workingDir());
    assertEquals(1, config.rootfs().diffIds().size());
    assertEquals(MediaTypes.OCI_LAYER_GZIP, image.manifest().layers().getFirst().mediaType());

    // skopeo reads the store as an OCI layout, with no export step
    String inspect = run("skopeo", "skopeo", "inspect", "oci:" + store + ":docker.io/library/busybox:latest");
    assertTrue(inspect.contains(digest), inspect);

    // the same tree as a tar file, re-written as a zstd layer: the same diffId
    Path tar = tmp.resolve("rootfs.tar");
    // sorted like kiln walks a tree, so the re-written layer is byte-identical
    run("tar", "tar", "--format=posix", "--sort=name", "-cf", tar.toString(), "-C", rootfs.toString(), ".");
    kiln(0, "--root", store.toString(), "import", tar.toString(), "bb:tar", "--compression", "zstd");
    ImageConfig fromTar = s.image(s.resolve("bb:tar")).config();
    assertEquals(MediaTypes.OCI_LAYER_ZSTD, s.image(s.resolve("bb:tar")).manifest().layers().getFirst().mediaType());
    assertEquals(config.rootfs().diffIds(), fromTar.rootfs().diffIds());

    // umoci unpacks the imported image
    Path bundle = tmp.resolve("bundle");
    run("umoci", "umoci", "unpack", "--image", store + ":docker.io/library/busybox:latest", bundle.toString());
    assertTrue(Files.isSymbolicLink(bundle.resolve("rootfs/bin/sh")));
    assertEquals(Files.size(rootfs.resolve("bin/busybox")), Files.size(bundle.resolve("rootfs/bin/busybox")));
    assertTrue(Reference.parse("busybox:latest", Reference.Defaults.DOCKER_HUB).tag().isPresent());
  }

  @Test
  void badInputFailsWithOneLineAndNoTag() throws Exception {
    Path store = tmp.resolve("store");
    String err = kiln(Main.EXIT_ERROR, "--root", store.toString(), "import", tmp.resolve("nope").toString(), "x:1");
    assertTrue(err.contains("neither a tar file nor a directory"), err);
    err = kiln(Main.EXIT_ERROR, "--root", store.toString(), "import", tmp.toString(), "x:1", "--change", "FROB 1");
    assertTrue(err.contains("FROB"), err);
    Path evil = tmp.resolve("evil.tar");
    run("tar", "sh", "-c", "cd " + tmp + " && echo x > f && tar -cPf " + evil + " --transform='s,^,../,' f");
    err = kiln(Main.EXIT_ERROR, "--root", store.toString(), "import", evil.toString(), "x:1");
    assertTrue(err.contains("'..'") && err.lines().count() == 1, err);
    assertTrue(LayoutImageStore.open(store).list().isEmpty(), "nothing tagged");
  }
}
