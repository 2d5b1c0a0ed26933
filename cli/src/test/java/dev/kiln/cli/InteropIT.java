package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * kiln's store and archives against the real tools: skopeo and umoci read kiln's store as an OCI
 * layout, podman's docker-archive loads into kiln, and kiln's archives load into podman. The base
 * image is scripts/busybox-rootfs imported into a private podman store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteropIT {
  @TempDir static Path dir;
  Path repo;
  Path rootfs;
  Path kilnRoot;
  String diffId;
  // One runroot per podman store: podman refuses a store opened with another runroot.
  Map<String, String> podmanRunroots = new java.util.HashMap<>();

  static final String IMAGE = "localhost/bb:1";

  record Run(int code, String out, String err) {}

  static void need(String tool, String debianPackage) {
    for (String p : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(p, tool))) {
        return;
      }
    }
    fail(tool + " is not installed: apt-get install " + debianPackage);
  }

  static Run run(Path cwd, String... argv) throws IOException, InterruptedException {
    Path out = Files.createTempFile("it-out", ".txt");
    Path err = Files.createTempFile("it-err", ".txt");
    try {
      Process p = new ProcessBuilder(argv).directory(cwd.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("timed out: " + String.join(" ", argv));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Run ok(Path cwd, String... argv) throws IOException, InterruptedException {
    Run r = run(cwd, argv);
    assertEquals(0, r.code(), String.join(" ", argv) + "\nstdout: " + r.out() + "\nstderr: " + r.err());
    return r;
  }

  /** A podman command on a private store (PEERS.md): nothing leaks between tests. */
  String[] podman(String store, String... args) {
    // The runroot must be short (podman limit): keep it under /tmp.
    String runroot = podmanRunroots.computeIfAbsent(store,
        s -> "/tmp/kiln-it-" + UUID.randomUUID().toString().substring(0, 8));
    List<String> argv = new ArrayList<>(List.of("podman", "--root", dir.resolve(store).toString(),
        "--runroot", runroot, "--tmpdir", runroot + "/libpod", "--storage-driver", "vfs",
        "--events-backend", "none"));
    argv.addAll(List.of(args));
    return argv.toArray(String[]::new);
  }

  CliTest.Result kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> argv = new ArrayList<>(List.of(args));
    argv.add(0, "--root=" + kilnRoot);
    int code = Main.run(argv.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    CliTest.Result r = new CliTest.Result(code, out.toString(), err.toString());
    assertEquals(0, code, "kiln " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  @BeforeAll
  void baseImage() throws Exception {
    need("skopeo", "skopeo");
    need("umoci", "umoci");
    need("podman", "podman");
    need("tar", "tar");
    Path cwd = Path.of("").toAbsolutePath();
    repo = cwd;
    while (repo != null && !Files.exists(repo.resolve("scripts/busybox-rootfs"))) {
      repo = repo.getParent();
    }
    assertNotNull(repo, "no scripts/busybox-rootfs above " + cwd);
    rootfs = dir.resolve("rootfs");
    ok(dir, repo.resolve("scripts/busybox-rootfs").toString(), rootfs.toString());
    ok(dir, "tar", "-C", rootfs.toString(), "-cf", dir.resolve("rootfs.tar").toString(), ".");
    ok(dir, podman("p1", "import", dir.resolve("rootfs.tar").toString(), IMAGE));
    diffId = ok(dir, podman("p1", "image", "inspect", "--format", "{{index .RootFS.Layers 0}}", IMAGE))
        .out().strip();
    ok(dir, podman("p1", "save", "--format", "docker-archive", "-o",
        dir.resolve("podman-docker.tar").toString(), IMAGE));
    kilnRoot = dir.resolve("kiln-root");
    CliTest.Result load = kiln("load", "-i", dir.resolve("podman-docker.tar").toString());
    assertEquals("Loaded image: " + IMAGE + "\n", load.out());
  }

  @AfterAll
  void cleanUp() throws Exception {
    for (String runroot : podmanRunroots.values()) {
      run(dir, "rm", "-rf", runroot);
    }
    // podman's vfs layers may be read-only, and the rootfs links point outside the temp dir,
    // which JUnit's cleanup warns about once per link.
    run(dir, "chmod", "-R", "u+w", dir.toString());
    run(dir, "rm", "-rf", rootfs.toString(), dir.resolve("bundle").toString());
  }

  private String manifestDigest() {
    String json = kiln("inspect", IMAGE).out();
    int i = json.indexOf("\"Digest\" : \"") + 12;
    return json.substring(i, json.indexOf('"', i));
  }

  @Test
  void podmansDockerArchiveLoadsWithItsLayer() {
    String inspect = kiln("inspect", IMAGE).out();
    assertTrue(inspect.contains("\"DiffID\" : \"" + diffId + "\""), inspect);
    assertTrue(kiln("images").out().contains("localhost/bb   1"));
  }

  @Test
  void skopeoInspectReadsKilnsStore() throws Exception {
    Run r = ok(dir, "skopeo", "inspect", "oci:" + kilnRoot + ":" + IMAGE);
    assertTrue(r.out().contains("\"Digest\": \"" + manifestDigest() + "\""), r.out());
    assertTrue(r.out().contains("\"Architecture\": \"amd64\"") || r.out().contains("\"Architecture\""), r.out());
    Run raw = ok(dir, "skopeo", "inspect", "--raw", "oci:" + kilnRoot + ":" + IMAGE);
    assertTrue(raw.out().contains("application/vnd.oci.image.manifest.v1+json"), raw.out());
  }

  @Test
  void skopeoCopiesOutOfAndIntoKilnsStore() throws Exception {
    Path other = dir.resolve("other-layout");
    ok(dir, "skopeo", "copy", "oci:" + kilnRoot + ":" + IMAGE, "oci:" + other + ":bb");
    // skopeo writes its own manifest and compresses the layer on the way; the config is ours.
    Run r = ok(dir, "skopeo", "inspect", "--raw", "oci:" + other + ":bb");
    String config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kiln("inspect", IMAGE).out())
        .get(0).get("Manifest").get("config").get("digest").asText();
    assertTrue(r.out().contains(config), r.out());
    // And back in under another name: kiln lists what skopeo wrote into its layout.
    ok(dir, "skopeo", "copy", "oci:" + other + ":bb", "oci:" + kilnRoot + ":localhost/copied:2");
    String images = kiln("images").out();
    assertTrue(images.contains("localhost/copied   2"), images);
    assertTrue(images.contains("localhost/bb       1"), images);
  }

  @Test
  void umociUnpacksTheRootFilesystem() throws Exception {
    Path bundle = dir.resolve("bundle");
    ok(dir, "umoci", "unpack", "--rootless", "--image", kilnRoot + ":" + IMAGE, bundle.toString());
    assertEquals(tree(rootfs), tree(bundle.resolve("rootfs")));
    assertArrayEquals(Files.readAllBytes(rootfs.resolve("bin/busybox")),
        Files.readAllBytes(bundle.resolve("rootfs/bin/busybox")));
    assertTrue(Files.readString(bundle.resolve("config.json")).contains("\"ociVersion\""));
  }

  /** Relative path → "dir", "file SIZE" or "link TARGET". */
  static Map<String, String> tree(Path top) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(top)) {
      for (Path p : all.toList()) {
        String rel = top.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "link " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.put(rel, "dir");
        } else {
          out.put(rel, "file " + Files.size(p));
        }
      }
    }
    return out;
  }

  @Test
  void kilnsDockerArchiveLoadsIntoPodman() throws Exception {
    Path archive = dir.resolve("kiln-docker.tar");
    kiln("save", "-o", archive.toString(), IMAGE);
    Run load = ok(dir, podman("p2", "load", "-i", archive.toString()));
    assertTrue(load.out().contains(IMAGE), load.out());
    assertEquals(diffId, ok(dir, podman("p2", "image", "inspect", "--format",
        "{{index .RootFS.Layers 0}}", IMAGE)).out().strip());
  }

  @Test
  void kilnsOciArchiveLoadsIntoPodman() throws Exception {
    Path archive = dir.resolve("kiln-oci.tar");
    kiln("save", "--format", "oci-archive", "-o", archive.toString(), IMAGE);
    ok(dir, podman("p3", "load", "-i", archive.toString()));
    assertEquals(diffId, ok(dir, podman("p3", "image", "inspect", "--format",
        "{{index .RootFS.Layers 0}}", IMAGE)).out().strip());
  }

  @Test
  void podmansOciArchiveLoadsIntoKiln() throws Exception {
    Path archive = dir.resolve("podman-oci.tar");
    ok(dir, podman("p1", "save", "--format", "oci-archive", "-o", archive.toString(), IMAGE));
    Path root2 = dir.resolve("kiln-root-2");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"--root=" + root2, "load", "-i", archive.toString()},
        new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().startsWith("Loaded image"), out.toString());
    assertTrue(Files.readString(root2.resolve("index.json")).contains("org.opencontainers.image.ref.name"));
    assertEquals(List.of(), List.of(err.toString().lines().toArray()));
    assertTrue(new String(Files.readAllBytes(root2.resolve("index.json")), StandardCharsets.UTF_8)
        .contains("application/vnd.oci.image.manifest.v1+json"));
  }
}
