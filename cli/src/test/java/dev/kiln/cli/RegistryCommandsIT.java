package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry commands end to end in this JVM against CNCF Distribution (docker-registry) and
 * skopeo: copy from an OCI layout into the store, push, pull into an empty store, manifest inspect,
 * copy back out to an OCI layout skopeo reads; and the one-line errors.
 */
class RegistryCommandsIT {
  @TempDir static Path dir;
  static Process registry;
  static String host;

  record Run(int exit, String out, String err) {}

  static Run kiln(Path root, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--root";
    all[1] = root.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Main.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  static void require(String tool, String pkg) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return;
      }
    }
    throw new AssertionError(tool + " is not installed: apt-get install -y " + pkg);
  }

  @BeforeAll
  static void start() throws Exception {
    require("docker-registry", "docker-registry");
    require("skopeo", "skopeo");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    Path cfg = dir.resolve("registry.yml");
    Files.writeString(cfg, "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n"
        + "http:\n  addr: " + host + "\n");
    registry = new ProcessBuilder("docker-registry", "serve", cfg.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    for (int i = 0; i < 200; i++) {
      try (var _ = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.destroy();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static String ok(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    assertEquals(0, p.exitValue(), cmd + ": " + out);
    return out;
  }

  @Test
  void copyPushPullInspectRoundTrip() throws Exception {
    // A source image made by skopeo from a busybox-free tarball: an OCI layout of one layer.
    Path rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/hello"), "hello from kiln\n");
    Path layout = dir.resolve("src-layout");
    Path storeA = dir.resolve("a");
    Path storeB = dir.resolve("b");
    Path tar = dir.resolve("rootfs.tar");
    ok(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), "."));
    ok(List.of("skopeo", "copy", "-q", "tarball:" + tar, "oci:" + layout + ":v1"));

    Run copy = kiln(storeA, "copy", "-q", "oci:" + layout + ":v1", "kiln:app:1");
    assertEquals(0, copy.exit(), copy.err());
    String digest = copy.out().strip();

    Run push = kiln(storeA, "push", "-q", "--insecure", host, "app:1", host + "/team/app:1");
    assertEquals(0, push.exit(), push.err());
    assertEquals(digest, push.out().strip());

    Run pull = kiln(storeB, "pull", "--insecure", host, host + "/team/app:1");
    assertEquals(0, pull.exit(), pull.err());
    assertEquals(digest, pull.out().strip());
    assertTrue(pull.err().contains("fetched"), "plain progress lines off a terminal: " + pull.err());

    Run inspect = kiln(storeB, "manifest", "inspect", "--insecure", host, host + "/team/app:1");
    assertEquals(0, inspect.exit(), inspect.err());
    assertTrue(inspect.out().contains("\"layers\""), inspect.out());

    Path out = dir.resolve("out-layout");
    Run back = kiln(storeB, "copy", "-q", "kiln:" + host + "/team/app:1", "oci:" + out + ":v2");
    assertEquals(0, back.exit(), back.err());
    assertTrue(ok(List.of("skopeo", "inspect", "oci:" + out + ":v2")).contains(digest));

    // pull --all-tags: every tag of the repository, each printed with its digest.
    assertEquals(0, kiln(storeA, "push", "-q", "--insecure", host, "app:1", host + "/team/app:2").exit());
    Path storeD = dir.resolve("d");
    Run all = kiln(storeD, "pull", "-q", "--all-tags", "--insecure", host, host + "/team/app");
    assertEquals(0, all.exit(), all.err());
    assertEquals(List.of("1 " + digest, "2 " + digest), all.out().strip().lines().sorted().toList());
    assertEquals(List.of("1", "2"), dev.kiln.store.LayoutImageStore.open(storeD).list().stream()
        .map(t -> t.reference().tag().orElseThrow()).sorted().toList());
    Run tagged = kiln(storeD, "pull", "--all-tags", "--insecure", host, host + "/team/app:1");
    assertEquals(125, tagged.exit());
    assertTrue(tagged.err().contains("without a tag"), tagged.err());

    // What `kiln run IMAGE` needs: a missing image is pulled, a present one is not.
    var storeC = dev.kiln.store.LayoutImageStore.open(dir.resolve("c"));
    String image = host + "/team/app:1";
    var client = dev.kiln.remote.RegistryClient.builder().insecure(java.util.Set.of(host)).build();
    var options = dev.kiln.remote.PullOptions.defaults();
    assertEquals(digest, Transfers.ensureImage(storeC, image, () -> client, options).digest().toString());
    assertEquals(digest, Transfers.ensureImage(storeC, image, () -> {
      throw new AssertionError("an image already in the store must not be pulled");
    }, options).digest().toString());
  }

  @Test
  void pullUnpacksLayersWhileTheyDownload() throws Exception {
    Path rootfs = dir.resolve("tap-rootfs");
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/hello"), "unpacked on the way in\n");
    Path tar = dir.resolve("tap.tar");
    Path layout = dir.resolve("tap-layout");
    ok(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), "."));
    ok(List.of("skopeo", "copy", "-q", "tarball:" + tar, "oci:" + layout + ":v1"));
    ok(List.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout + ":v1",
        "docker://" + host + "/tap/app:1"));

    var store = dev.kiln.store.LayoutImageStore.open(dir.resolve("tap-store"));
    var unpacked = dev.kiln.build.BuildEngine.unpackedLayers(store);
    var client = dev.kiln.remote.RegistryClient.builder().insecure(java.util.Set.of(host)).build();
    dev.kiln.oci.Descriptor d;
    try (var tap = new dev.kiln.build.PipelinedUnpack(unpacked, store.blobs())) {
      d = Transfers.pull(store, client, Transfers.reference(host + "/tap/app:1"),
          dev.kiln.remote.PullOptions.defaults().withTap(tap));
      tap.await();
    }
    // Unpacked by the tap: found without reading the stored blob again.
    var layer = store.image(d).layers().getFirst();
    Path unpackedDir = unpacked.find(layer.diffId()).orElseThrow(
        () -> new AssertionError("the layer was not unpacked during the pull"));
    assertEquals("unpacked on the way in\n", Files.readString(unpackedDir.resolve("etc/hello")));
  }

  @Test
  void failuresAreOneLineAndExit125() {
    Path store = dir.resolve("errors");
    Run missing = kiln(store, "pull", "--insecure", host, host + "/nothing/here:1");
    assertEquals(125, missing.exit());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    assertTrue(missing.err().contains("nothing/here"), missing.err());

    Run tls = kiln(store, "pull", host + "/nothing/here:1");
    assertEquals(125, tls.exit());
    assertTrue(tls.err().contains("--insecure " + host), tls.err());

    Run badLocation = kiln(store, "copy", "ftp://x", "kiln:y:1");
    assertEquals(125, badLocation.exit());
    assertTrue(badLocation.err().contains("unknown location"), badLocation.err());
  }
}
