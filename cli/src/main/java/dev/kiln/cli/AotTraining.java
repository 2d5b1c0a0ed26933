package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digests;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The training runs the {@code kiln} launcher records its JVM AOT caches with
 * ({@code -XX:AOTCacheOutput}, JEP 483/514/515): each runs one group of commands in one JVM against a
 * throw-away store so their classes are loaded, linked and profiled. Not a user command.
 *
 * <p>One cache per group, because a JDK 25 AOT cache loads every class it holds when the JVM
 * starts: {@code kiln run} with a cache that also held the registry server, the build engine and
 * the push path loaded 5,150 classes instead of 3,000 and spent a third more CPU. The launcher
 * maps each verb to its group. The registry the client commands talk to runs in a child JVM, so
 * its server classes stay out of the caches.
 */
public final class AotTraining {
  private AotTraining() {}

  private static final Pattern SERVING = Pattern.compile("serving http://(\\S+)");

  /**
   * Runs the training commands of one group; their output is discarded.
   *
   * @param args the group: {@code containers}, {@code client} or {@code default} (no argument)
   * @throws IOException when the temp store cannot be made
   * @throws InterruptedException when interrupted while the child registry starts or stops
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    String group = args.length == 0 ? "default" : args[0];
    Path root = Files.createTempDirectory("kiln-aot-");
    try {
      Path local = root.resolve("local");
      String r = "--root=" + local;
      seedImage(local, Reference.parse("train/tiny:1", Reference.Defaults.DOCKER_HUB));
      if (!group.equals("default")) {
        seedLayers(local);
      }
      switch (group) {
        case "containers" -> trainContainers(root, r);
        case "client" -> trainClient(root, r);
        case "default" -> trainStoreAndBuild(root, r);
        default -> throw new IllegalArgumentException("AotTraining: unknown group " + group);
      }
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The image store's commands and a build, cold and cached. */
  private static void trainStoreAndBuild(Path root, String r) throws IOException {
    KilnVersion.lines();
    Path context = Files.createDirectories(root.resolve("context/src"));
    Files.writeString(context.resolve("a.txt"), "a\n");
    Files.writeString(context.getParent().resolve("Dockerfile"), "FROM scratch AS base\nCOPY src/ /app/\n"
        + "FROM base\nWORKDIR /app\nENV MODE=train\nLABEL train=yes\nCOPY --from=base /app/a.txt /b.txt\n"
        + "CMD [\"/app/a.txt\"]\n");
    context = context.getParent();
    for (List<String> argv : List.of(
        List.of("--help"), List.of("version"), List.of(r, "images"),
        List.of(r, "images", "--format", "json"), List.of(r, "system", "df"),
        List.of(r, "inspect", "train/tiny:1"), List.of(r, "inspect", "nothere"),
        List.of(r, "tag", "a", "B@@"),
        List.of(r, "build", "-q", "-t", "train/built:1", context.toString()),
        List.of(r, "build", "-t", "train/built:1", context.toString()))) {
      expect(argv, argv.contains("nothere") || argv.contains("B@@") ? 125 : 0);
    }
  }

  /** Push, pull and manifest inspection against a registry on 127.0.0.1. */
  private static void trainClient(Path root, String r) throws IOException, InterruptedException {
    try (ChildRegistry registry = ChildRegistry.start(root.resolve("registry"))) {
      String reg = registry.authority;
      String remote = reg + "/train/tiny:1";
      String many = reg + "/train/many:1";
      for (List<String> argv : List.of(
          List.of(r, "push", "-q", "--insecure", reg, "train/tiny:1", remote),
          List.of(r, "push", "--insecure", reg, "train/tiny:1", reg + "/train/again:1"),
          List.of(r, "push", "-q", "--insecure", reg, "train/many:1", many),
          List.of("--root=" + root.resolve("p1"), "pull", "-q", "--insecure", reg, remote),
          List.of("--root=" + root.resolve("p2"), "pull", "--insecure", reg, remote),
          List.of("--root=" + root.resolve("p3"), "pull", "-q", "--insecure", reg, many),
          List.of("--root=" + root.resolve("p4"), "pull", "-q", "--insecure", reg, many),
          List.of(r, "manifest", "inspect", "--insecure", reg, remote),
          List.of(r, "manifest", "inspect", "--raw", "--insecure", reg, remote))) {
        expect(argv, 0);
      }
    }
  }

  /**
   * A run that pulls its image first, then real containers: their root file system holds only
   * the static shim, which as the container's command prints its usage and exits 125. Without
   * root or namespaces those runs fail early and the cache covers less.
   */
  private static void trainContainers(Path root, String r) throws IOException, InterruptedException {
    try (ChildRegistry registry = ChildRegistry.start(root.resolve("registry"))) {
      String reg = registry.authority;
      String remote = reg + "/train/tiny:1";
      expect(List.of(r, "push", "-q", "--insecure", reg, "train/tiny:1", remote), 0);
      expect(List.of(r, "push", "-q", "--insecure", reg, "train/many:1", reg + "/train/many:1"), 0);
      // a command the image lacks stops run after the pull and unpack, before any namespace
      expect(List.of("--root=" + root.resolve("p1"), "run", "--rm", "--insecure", reg, remote, "/no-such-command"), 127);
      expect(List.of("--root=" + root.resolve("p2"), "run", "--rm", "--insecure", reg,
          reg + "/train/many:1", "/no-such-command"), 127);
    }
    Path rootfs = Files.createDirectories(root.resolve("shim-rootfs"));
    Path init = rootfs.resolve("init");
    try (InputStream shim = AotTraining.class.getResourceAsStream("/dev/kiln/runtime/kiln-shim")) {
      if (shim == null) return;
      Files.copy(shim, init);
    }
    Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    String fs = rootfs.toString();
    for (List<String> argv : List.of(
        List.of(r, "run", "--rm", "train/tiny:1", "/no-such-command"),
        List.of(r, "run", "--rm", "--rootfs", fs, "/init"),
        List.of(r, "run", "--name", "train1", "--rootfs", fs, "/init"),
        List.of(r, "ps", "-a"),
        List.of(r, "logs", "train1"),
        List.of(r, "rm", "train1"),
        List.of(r, "volume", "ls"))) {
      expect(argv, argv.contains("/init") ? 125 : argv.contains("/no-such-command") ? 127 : 0);
    }
  }

  /** Runs one command line in this JVM; says so on stderr (which the launcher discards) when it exits otherwise. */
  private static void expect(List<String> argv, int code) {
    StringWriter sink = new StringWriter();
    int got = Main.run(argv.toArray(String[]::new), new PrintWriter(sink), new PrintWriter(sink));
    if (got != code) {
      System.err.println("training " + argv + " exited " + got + ", not " + code + ": " + sink);
    }
  }

  /** {@code kiln registry serve} on 127.0.0.1 in a child JVM of this class path, without an AOT cache. */
  private record ChildRegistry(Process process, String authority) implements AutoCloseable {
    static ChildRegistry start(Path dir) throws IOException, InterruptedException {
      String java = ProcessHandle.current().info().command().orElse("java");
      Files.createDirectories(dir);
      Path log = dir.resolve("serve.log");
      Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "registry", "serve", "--addr", "127.0.0.1:0", "--root", dir.resolve("data").toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      // Its output names the address once it listens: up to 30 s on a busy machine.
      for (int i = 0; i < 300 && p.isAlive(); i++) {
        Matcher m = SERVING.matcher(Files.readString(log));
        if (m.find()) return new ChildRegistry(p, m.group(1).replaceAll("/$", ""));
        Thread.sleep(100);
      }
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IOException("training registry did not start: " + Files.readString(log));
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stores a one-layer image (an empty gzip tar) tagged {@code ref} in a new local store. */
  private static void seedImage(Path root, Reference ref) throws IOException {
    seedImage(root, ref, List.of(new byte[1024]));
  }

  /**
   * Stores {@code train/many:1}: one layer holding an 8 MiB file and three of 16 KiB, so the
   * caches' profiles cover the per-blob path and the loops a large blob runs (SHA-256, socket
   * reads, unpacking). Trained on one tiny layer only, a 500 MiB pull spent 0.35-0.4 s in C2
   * compiling them; with these 0.2-0.3 s.
   */
  private static void seedLayers(Path root) throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    List<byte[]> tars = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] content = new byte[i == 0 ? 8 << 20 : 16 << 10];
      random.nextBytes(content);
      tars.add(tarOfOneFile("f" + i, content));
    }
    seedImage(root, Reference.parse("train/many:1", Reference.Defaults.DOCKER_HUB), tars);
  }

  /** A tar archive (ustar) holding one regular file, as layers are. */
  private static byte[] tarOfOneFile(String name, byte[] content) {
    byte[] header = new byte[512];
    putField(header, 0, 100, name);
    putField(header, 100, 8, "0000644");
    putField(header, 108, 8, "0000000");
    putField(header, 116, 8, "0000000");
    putField(header, 124, 12, String.format("%011o", content.length));
    putField(header, 136, 12, "00000000000");
    header[156] = '0';
    putField(header, 257, 6, "ustar");
    putField(header, 263, 2, "00");
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    putField(header, 148, 8, String.format("%06o", sum));
    int padded = (content.length + 511) / 512 * 512;
    byte[] tar = new byte[512 + padded + 1024];
    System.arraycopy(header, 0, tar, 0, 512);
    System.arraycopy(content, 0, tar, 512, content.length);
    return tar;
  }

  private static void putField(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
  }

  /** Stores an image of gzip layers with the given uncompressed contents, tagged {@code ref}. */
  private static void seedImage(Path root, Reference ref, List<byte[]> layerContents)
      throws IOException {
    LayoutImageStore store = LayoutImageStore.open(root);
    List<String> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (byte[] content : layerContents) {
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(content);
      }
      layers.add(json(store.blobs().put(new ByteArrayInputStream(gz.toByteArray()),
          MediaTypes.OCI_LAYER_GZIP)));
      diffIds.add("\"" + Digests.sha256(content) + "\"");
    }
    String configJson = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}";
    Descriptor config = store.blobs().put(
        new ByteArrayInputStream(configJson.getBytes(StandardCharsets.UTF_8)), MediaTypes.OCI_CONFIG);
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"config\":" + json(config) + ",\"layers\":[" + String.join(",", layers) + "]}";
    RawManifest raw = RawManifest.of(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
    store.tag(ref, store.putManifest(raw));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":"
        + d.size() + "}";
  }
}
