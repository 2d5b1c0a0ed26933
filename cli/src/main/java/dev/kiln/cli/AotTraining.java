package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digests;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.registry.RegistryConfig;
import dev.kiln.registry.RegistryServer;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The training run the {@code kiln} launcher records the JVM's AOT cache with
 * ({@code -XX:AOTCacheOutput}, JEP 483/514/515): it runs common commands in one JVM against a
 * throw-away store so their classes are loaded, linked and profiled. Not a user command.
 *
 * <p>The registry commands are trained too, against kiln's own registry started in this JVM on
 * 127.0.0.1: without them every push, pull and manifest fetch loads and links OkHttp, Kotlin's
 * standard library and the client's Jackson bindings from the jar (~1 s CPU per command).
 */
public final class AotTraining {
  private AotTraining() {}

  /**
   * Runs the training commands; output is discarded.
   *
   * @param args ignored
   * @throws IOException when the temp store cannot be made
   */
  public static void main(String[] args) throws IOException {
    KilnVersion.lines();
    Path root = Files.createTempDirectory("kiln-aot-");
    try {
      String r = "--root=" + root;
      for (List<String> argv : List.of(
          List.of("--help"), List.of("version"), List.of(r, "images"),
          List.of(r, "images", "--format", "json"), List.of(r, "system", "df"),
          List.of(r, "inspect", "nothere"), List.of(r, "tag", "a", "B@@"))) {
        StringWriter sink = new StringWriter();
        Main.run(argv.toArray(String[]::new), new PrintWriter(sink), new PrintWriter(sink));
      }
      trainRegistryCommands(root);
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Pushes a tiny image to an in-process registry, pulls it back, fetches its manifest, and runs
   * and builds from it.
   */
  private static void trainRegistryCommands(Path root) throws IOException {
    Path local = root.resolve("local");
    String r = "--root=" + local;
    seedImage(local, Reference.parse("train/tiny:1", Reference.Defaults.DOCKER_HUB));
    Path context = Files.createDirectories(root.resolve("context/src"));
    Files.writeString(context.resolve("a.txt"), "a\n");
    Files.writeString(context.getParent().resolve("Dockerfile"), "FROM scratch AS base\nCOPY src/ /app/\n"
        + "FROM base\nWORKDIR /app\nENV MODE=train\nLABEL train=yes\nCOPY --from=base /app/a.txt /b.txt\n"
        + "CMD [\"/app/a.txt\"]\n");
    context = context.getParent();
    RegistryConfig config = RegistryConfig.builder(root.resolve("registry")).addr("127.0.0.1:0")
        .accessLog(false).build();
    try (RegistryServer server = RegistryServer.start(config)) {
      String reg = server.authority();
      String remote = reg + "/train/tiny:1";
      String p1 = "--root=" + root.resolve("p1");
      String p2 = "--root=" + root.resolve("p2");
      for (List<String> argv : List.of(
          List.of(r, "push", "-q", "--insecure", reg, "train/tiny:1", remote),
          List.of(r, "push", "--insecure", reg, "train/tiny:1", reg + "/train/again:1"),
          List.of(p1, "pull", "-q", "--insecure", reg, remote),
          List.of(p2, "pull", "--insecure", reg, remote),
          List.of(r, "manifest", "inspect", "--insecure", reg, remote),
          List.of(r, "manifest", "inspect", "--raw", "--insecure", reg, remote),
          // run and build from the pulled image: a command the image lacks stops run before
          // any namespace is made (so training needs no root), after the store, the layer
          // cache and the container model have loaded; build runs COPY and metadata steps
          // twice, cold and cached
          List.of(p1, "run", "--rm", remote, "/no-such-command"),
          List.of(p1, "ps", "-a"),
          List.of(p1, "build", "-q", "-t", "train/built:1", context.toString()),
          List.of(p1, "build", "-t", "train/built:1", context.toString()))) {
        StringWriter sink = new StringWriter();
        int expected = argv.contains("/no-such-command") ? 127 : 0;
        if (Main.run(argv.toArray(String[]::new), new PrintWriter(sink), new PrintWriter(sink)) != expected) {
          // The launcher discards this; it shows when the training is run by hand.
          System.err.println("training " + argv + " failed: " + sink);
        }
      }
    }
  }

  /** Stores a one-layer image (an empty gzip tar) tagged {@code ref} in a new local store. */
  private static void seedImage(Path root, Reference ref) throws IOException {
    LayoutImageStore store = LayoutImageStore.open(root);
    byte[] emptyTar = new byte[1024];
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(emptyTar);
    }
    Descriptor layer = store.blobs().put(new ByteArrayInputStream(gz.toByteArray()),
        MediaTypes.OCI_LAYER_GZIP);
    String configJson = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digests.sha256(emptyTar) + "\"]}}";
    Descriptor config = store.blobs().put(
        new ByteArrayInputStream(configJson.getBytes(StandardCharsets.UTF_8)), MediaTypes.OCI_CONFIG);
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"config\":" + json(config) + ",\"layers\":[" + json(layer) + "]}";
    RawManifest raw = RawManifest.of(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
    store.tag(ref, store.putManifest(raw));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":"
        + d.size() + "}";
  }
}
