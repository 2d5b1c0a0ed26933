package dev.kiln.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.LayerApplier;
import dev.kiln.oci.Layer;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kiln's builds against podman's: the image kiln builds runs in {@code podman run} (loaded from an
 * OCI archive) with the output {@code kiln run} gives, and {@code podman build} of the same
 * buildfile yields the same final file system, file by file (timestamps aside).
 */
class PodmanInteropIT {
  static final String BUILDFILE = """
      FROM busybox:latest AS gen
      WORKDIR /work
      COPY data/ ./data/
      RUN mkdir -p out && for f in data/*; do sort "$f" > "out/$(basename "$f").sorted"; done
      FROM busybox:latest
      ENV GREETING=hello
      WORKDIR /app
      COPY --from=gen /work/out/ ./sorted/
      COPY --chmod=755 run.sh /usr/local/bin/run.sh
      RUN echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1234:' >> /etc/group && mkdir -p /app/state && chown app:app /app/state \\
          && ln -s /app/sorted /app/link && rm /etc/nsswitch.conf
      USER app
      CMD ["/usr/local/bin/run.sh"]
      """;

  @TempDir Path tmp;
  Path runroot;
  Path podmanRoot;
  Path conf;

  @BeforeEach
  void setUp() throws IOException {
    podmanRoot = tmp.resolve("podman");
    runroot = Files.createTempDirectory(Path.of("/tmp"), "kpr");
    conf = tmp.resolve("containers.conf");
    // Root here lacks CAP_SYS_RESOURCE: podman's default rlimits fail every run (PEERS.md).
    Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nofile=20000:20000\",\"nproc=32768:32768\"]\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    podman(List.of("system", "reset", "--force"), 120);
    if (!Files.exists(runroot)) {
      return;
    }
    try (Stream<Path> s = Files.walk(runroot)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private String podman(List<String> args, int timeoutSeconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("podman", "--root", podmanRoot.toString(), "--runroot", runroot.toString(),
        "--tmpdir", runroot.resolve("libpod").toString(), "--storage-driver", "overlay", "--events-backend", "none", "--cgroup-manager", "cgroupfs", "--runtime", "runc"));
    cmd.addAll(args);
    return exec(cmd, Map.of("CONTAINERS_CONF", conf.toString()), timeoutSeconds);
  }

  static String exec(List<String> cmd, Map<String, String> env, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError(cmd.getFirst() + " missing: apt-get install " + cmd.getFirst(), e);
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + ": timed out");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + ": exit " + p.exitValue() + "\n" + text);
    }
    return text;
  }

  private Path context() throws IOException {
    Path ctx = tmp.resolve("ctx");
    Files.createDirectories(ctx.resolve("data"));
    Files.writeString(ctx.resolve("data/fruits"), "pear\napple\nfig\n");
    Files.writeString(ctx.resolve("data/numbers"), "3\n1\n2\n");
    Files.writeString(ctx.resolve("run.sh"), "#!/bin/sh\necho \"$GREETING from $(id -un) in $(pwd)\"\ncat /app/sorted/*\n");
    Files.writeString(ctx.resolve("Dockerfile"), BUILDFILE);
    return ctx;
  }

  @Test
  void kilnImageRunsInPodmanAndPodmanBuildGivesTheSameFileSystem() throws Exception {
    Path ctx = context();
    Path rootfsTar = tmp.resolve("busybox.tar");
    exec(List.of("tar", "-C", BusyboxBase.rootfs().toString(), "-cf", rootfsTar.toString(), "."), Map.of(), 60);
    podman(List.of("import", rootfsTar.toString(), "busybox:latest"), 120);

    Path kilnRoot = tmp.resolve("kiln");
    LayoutImageStore store = LayoutImageStore.open(kilnRoot);
    BusyboxBase.install(store);
    BuildResult built = new BuildEngine(store).build(
        BuildRequest.builder(ctx, "Dockerfile", BUILDFILE).build(), BuildListener.NONE);
    store.tag(Reference.parse("interop:kiln", Reference.Defaults.DOCKER_HUB), built.image());

    // The same image under kiln run and podman run.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String kilnOut = exec(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.kiln.cli.Main",
        "run", "--rm", "interop:kiln"), Map.of("KILN_ROOT", kilnRoot.toString()), 120);
    Path archive = tmp.resolve("kiln-oci.tar");
    exec(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.kiln.cli.Main", "--root", kilnRoot.toString(),
        "save", "--format", "oci-archive", "-o", archive.toString(), "interop:kiln"), Map.of(), 120);
    podman(List.of("load", "-i", archive.toString()), 120);
    String podmanOut = podman(List.of("run", "--rm", "--network", "none", "docker.io/library/interop:kiln"), 120);
    assertEquals("hello from app in /app\napple\nfig\npear\n1\n2\n3\n", kilnOut);
    assertEquals(kilnOut, podmanOut);

    // podman build of the same buildfile: the same final file system.
    podman(List.of("build", "--layers", "--network", "none", "-t", "interop:podman", ctx.toString()), 300);
    podman(List.of("create", "--name", "fs", "interop:podman"), 60);
    Path podmanTar = tmp.resolve("podman-fs.tar");
    podman(List.of("export", "-o", podmanTar.toString(), "fs"), 120);
    Path podmanFs = Files.createDirectories(tmp.resolve("podman-fs"));
    exec(List.of("tar", "-C", podmanFs.toString(), "-xf", podmanTar.toString()), Map.of(), 60);
    Path kilnFs = Files.createDirectories(tmp.resolve("kiln-fs"));
    LayerApplier applier = new LayerApplier(ApplyOptions.defaults());
    for (Layer l : store.image(built.image()).layers()) {
      try (InputStream in = l.open()) {
        applier.apply(in, kilnFs);
      }
    }
    Map<String, String> kilnTree = tree(kilnFs);
    Map<String, String> podmanTree = tree(podmanFs);
    assertTrue(kilnTree.containsKey("app/state") && kilnTree.get("usr/local/bin/run.sh").contains("755"), kilnTree.toString());
    assertEquals(podmanTree, kilnTree);
  }

  /** Every path with its type, mode, owner and content digest or link target; runtime files left out. */
  static Map<String, String> tree(Path root) throws IOException {
    // What a container runtime creates in every container, not what the buildfile made.
    Set<String> runtime = Set.of("etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv", "run", "proc", "sys", "dev");
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String rel = root.relativize(p).toString();
        if (rel.isEmpty() || runtime.contains(rel) || runtime.stream().anyMatch(r -> rel.startsWith(r + "/"))) {
          continue;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        String owner = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
            + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        String what;
        if (Files.isSymbolicLink(p)) {
          what = "link " + Files.readSymbolicLink(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          what = "dir " + Integer.toOctalString(mode & 07777) + " " + owner;
        } else {
          what = "file " + Integer.toOctalString(mode & 07777) + " " + owner + " "
              + dev.kiln.oci.Digests.sha256(Files.readAllBytes(p)).encoded().substring(0, 16);
        }
        out.put(rel, what);
      }
    }
    return out;
  }
}
