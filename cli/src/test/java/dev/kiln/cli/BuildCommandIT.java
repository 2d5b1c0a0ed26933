package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Reference;
import dev.kiln.registry.RegistryConfig;
import dev.kiln.registry.RegistryServer;
import dev.kiln.remote.RegistryClient;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln build} as a user runs it: tags, quiet output, failures, stdin contexts, exports, push. */
class BuildCommandIT {
  @TempDir Path tmp;
  Path root;
  Path ctx;

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/busybox-rootfs"))) {
      p = p.getParent();
    }
    return p;
  }

  /** Runs kiln in this JVM; returns stdout on success, stderr otherwise. */
  private String kiln(int expected, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    assertEquals(expected, code, "kiln " + String.join(" ", args) + ": " + err);
    return expected == 0 ? out.toString() : err.toString();
  }

  @BeforeEach
  void setUp() throws Exception {
    root = tmp.resolve("store");
    ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path rootfs = tmp.resolve("rootfs");
    Process p = new ProcessBuilder(repoRoot().resolve("scripts/busybox-rootfs").toString(), rootfs.toString()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "busybox-rootfs (apt-get install busybox-static)");
    kiln(0, "--root", root.toString(), "import", rootfs.toString(), "busybox:latest");
  }

  @Test
  void quietPrintsOnlyTheDigestTagsAndExports() throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:latest\nCOPY a.txt /a.txt\nRUN echo built > /b.txt\n");
    Files.writeString(ctx.resolve("a.txt"), "a\n");
    Path local = tmp.resolve("local");
    Path layout = tmp.resolve("layout");
    Path docker = tmp.resolve("image.tar");
    String out = kiln(0, "--root", root.toString(), "build", "-q", "-t", "app:1", "-t", "app:latest",
        "--output", "type=local,dest=" + local, "--output", "type=oci,dest=" + layout,
        "--output", "type=docker,dest=" + docker, "--compression", "zstd", ctx.toString());
    String digest = out.strip();
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), out);
    LayoutImageStore store = LayoutImageStore.open(root);
    assertEquals(digest, store.resolve("app:1").digest().toString());
    assertEquals(digest, store.resolve("app:latest").digest().toString());
    assertEquals("built\n", Files.readString(local.resolve("b.txt")));
    assertEquals("a\n", Files.readString(local.resolve("a.txt")));
    assertEquals(digest, LayoutImageStore.open(layout).resolve("app:1").digest().toString());
    assertTrue(Files.size(docker) > 1000);
    assertTrue(store.image(store.resolve("app:1")).manifest().layers().getLast().mediaType().endsWith("zstd"));
  }

  @Test
  void aFailedBuildExitsOneNamesTheLineAndMovesNoTag() throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:latest\nRUN echo ok > /ok\n");
    String before = kiln(0, "--root", root.toString(), "build", "-q", "-t", "app:1", ctx.toString()).strip();
    Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:latest\nRUN echo ok > /ok\nRUN echo about to fail; exit 5\n");
    String err = kiln(1, "--root", root.toString(), "build", "--progress", "plain", "-t", "app:1", ctx.toString());
    assertTrue(err.contains("[1/3] FROM busybox:latest\n"), err);
    assertTrue(err.contains("[2/3] RUN echo ok > /ok\n[2/3] CACHED\n"), err);
    assertTrue(err.contains("#3 about to fail\n"), "step output streamed: " + err);
    assertTrue(err.contains("Dockerfile:3: RUN echo about to fail; exit 5: exit code 5"), err);
    assertTrue(err.contains("  about to fail"), err);
    assertEquals(before, LayoutImageStore.open(root).resolve("app:1").digest().toString());
    String bad = kiln(Main.EXIT_ERROR, "--root", root.toString(), "build", "-f", ctx.resolve("nope").toString(), ctx.toString());
    assertTrue(bad.contains("not found"), bad);
  }

  @Test
  void contextFromATarOnStdinWithAnotherBuildfileName() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("build.kiln"), "FROM busybox:latest\nCOPY msg /msg\n");
    Files.writeString(src.resolve("msg"), "from stdin\n");
    Path tar = tmp.resolve("ctx.tar");
    assertEquals(0, new ProcessBuilder("tar", "-C", src.toString(), "-cf", tar.toString(), ".").start().waitFor());
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(Files.readAllBytes(tar)));
      kiln(0, "--root", root.toString(), "build", "-q", "-f", "build.kiln", "-t", "stdin:1",
          "--output", "type=local,dest=" + tmp.resolve("out"), "-");
    } finally {
      System.setIn(saved);
    }
    assertEquals("from stdin\n", Files.readString(tmp.resolve("out/msg")));
  }

  @Test
  void pushesToARegistryAndAnotherStoreBuildsFromIt() throws Exception {
    // A registry that wants a password: the build's push and its FROM pull both log in with the
    // credentials of --authfile, through the same client push and pull build.
    Path users = tmp.resolve("htpasswd");
    Process htpasswd = new ProcessBuilder("htpasswd", "-Bbc", users.toString(), "alice", "s3cret")
        .redirectErrorStream(true).start();
    assertEquals(0, htpasswd.waitFor(), "htpasswd (apache2-utils): "
        + new String(htpasswd.getInputStream().readAllBytes()));
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(tmp.resolve("registry"))
        .host("127.0.0.1").port(0).htpasswd(users).build())) {
      String name = "127.0.0.1:" + server.port() + "/demo/app:1";
      Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:latest\nRUN echo pushed > /p\n");
      String host = "127.0.0.1:" + server.port();
      Path authfile = tmp.resolve("auth.json");
      Files.writeString(authfile, "{\"auths\":{\"" + host + "\":{\"auth\":\""
          + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes()) + "\"}}}");
      // Plain HTTP only where asked for, by the same option push and pull take.
      String digest = kiln(0, "--root", root.toString(), "build", "-q", "-t", name, "--push",
          "--insecure", host, "--authfile", authfile.toString(), ctx.toString()).strip();
      RegistryClient client = RegistryClient.builder().insecure(Set.of(host))
          .credentials(r -> java.util.Optional.of(new dev.kiln.remote.Credentials("alice", "s3cret"))).build();
      assertEquals(digest, client.manifest(Reference.parse(name, Reference.Defaults.DOCKER_HUB)).digest().toString());
      // A fresh store: FROM the registry image pulls it.
      Path other = tmp.resolve("other");
      Path ctx2 = Files.createDirectories(tmp.resolve("ctx2"));
      Files.writeString(ctx2.resolve("Dockerfile"), "FROM " + name + "\nRUN cat /p > /again\n");
      kiln(0, "--root", other.toString(), "build", "-q", "-t", "child:1", "--insecure-registry", host,
          "--authfile", authfile.toString(), "--output", "type=local,dest=" + tmp.resolve("child"), ctx2.toString());
      assertEquals("pushed\n", Files.readString(tmp.resolve("child/again")));
      assertEquals(List.of("child:1"), LayoutImageStore.open(other).list().stream()
          .map(t -> t.reference().repository().replace("library/", "") + ":" + t.reference().tag().orElseThrow()).toList());
    }
  }
}
