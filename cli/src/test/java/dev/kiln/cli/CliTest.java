package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs kiln commands in this JVM against a temp store. */
class CliTest {
  @TempDir Path dir;
  Path root;

  record Result(int code, String out, String err) {}

  Result kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> argv = new ArrayList<>(List.of(args));
    argv.add(0, "--root=" + root);
    int code = Main.run(argv.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeEach
  void setUp() {
    root = dir.resolve("root");
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static byte[] tar(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  /** A docker-archive with one one-layer image, as docker save writes it. */
  Path dockerArchive(String name) throws Exception {
    byte[] layer = tar(Map.of("hello.txt", "hello\n".getBytes(StandardCharsets.UTF_8)));
    String diffId = "sha256:" + sha256(layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
        + "\"config\":{\"Cmd\":[\"/hello\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    String configName = sha256(config) + ".json";
    byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + name
        + "\"],\"Layers\":[\"l/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
    entries.put(configName, config);
    entries.put("l/layer.tar", layer);
    entries.put("manifest.json", manifest);
    Path file = dir.resolve("image.tar");
    Files.write(file, tar(entries));
    return file;
  }

  @Test
  void aCommandLineModelsOnlyTheVerbItNamesAndHelpModelsThemAll() {
    assertEquals(List.of("images"),
        List.copyOf(Main.commandLine("--root", "/x", "--debug", "images").getSubcommands().keySet()));
    assertEquals(List.of("run"),
        List.copyOf(Main.commandLine("run", "--rm", "busybox", "images").getSubcommands().keySet()));
    for (String[] args : new String[][] {{}, {"--help"}, {"--root", "/x", "imagez"}}) {
      assertEquals(KilnCommand.VERBS.size(), Main.commandLine(args).getSubcommands().size(),
          String.join(" ", args));
    }
    Result typo = kiln("imagez");
    assertEquals(Main.EXIT_ERROR, typo.code());
    assertTrue(typo.err().contains("'imagez'"), typo.err());
  }

  @Test
  void versionPrintsKilnAndJava() {
    Result r = kiln("version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("kiln "), r.out());
    assertTrue(r.out().contains("java " + Runtime.version()), r.out());
  }

  @Test
  void anEmptyStoreListsOnlyTheHeader() {
    Result r = kiln("images");
    assertEquals(0, r.code(), r.err());
    assertEquals("REPOSITORY   TAG   DIGEST   CREATED   SIZE\n", r.out());
    assertEquals("[ ]\n", kiln("images", "--format", "json").out());
    assertTrue(Files.exists(root.resolve("oci-layout")));
  }

  @Test
  void loadListInspectTagSaveRmi() throws Exception {
    Result load = kiln("load", "-i", dockerArchive("example.com/team/hello:1").toString());
    assertEquals(0, load.code(), load.err());
    assertEquals("Loaded image: example.com/team/hello:1\n", load.out());

    Result images = kiln("images");
    assertTrue(images.out().contains("example.com/team/hello   1"), images.out());
    Result json = kiln("images", "--format", "json");
    assertTrue(json.out().contains("\"Reference\" : \"example.com/team/hello:1\""), json.out());
    assertTrue(json.out().contains("\"Created\" : \"2024-01-01T00:00:00Z\""), json.out());

    Result inspect = kiln("inspect", "example.com/team/hello:1");
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("\"DiffID\" : \"sha256:"), inspect.out());
    assertTrue(inspect.out().contains("\"Cmd\" : [ \"/hello\" ]"), inspect.out());

    assertEquals(0, kiln("tag", "example.com/team/hello:1", "hello:2").code());
    assertTrue(kiln("images").out().contains("docker.io/library/hello   2"));

    Path saved = dir.resolve("out.tar");
    Result save = kiln("save", "--format", "oci-archive", "-o", saved.toString(), "hello:2");
    assertEquals(0, save.code(), save.err());
    assertTrue(Files.size(saved) > 0);

    Result rmi = kiln("rmi", "hello:2", "example.com/team/hello:1");
    assertEquals(0, rmi.code(), rmi.err());
    assertTrue(rmi.out().contains("Untagged: docker.io/library/hello:2"), rmi.out());
    assertTrue(rmi.out().contains("Deleted: 3 blobs"), rmi.out());
    assertEquals("Deleted 0 blobs, 0B; kept 0 blobs, 0B\nDeleted 0 unpacked layers, 0B; kept 0\n",
        kiln("system", "gc").out());

    Result reload = kiln("load", "-i", saved.toString());
    assertEquals("Loaded image: docker.io/library/hello:2\n", reload.out());
    Result df = kiln("system", "df");
    assertTrue(df.out().contains("1 tags, 1 images"), df.out());
  }

  @Test
  void errorsAreOneLineWithExitCode125() throws Exception {
    for (String[] args : List.of(
        new String[] {"inspect", "nothere"},
        new String[] {"tag", "nothere", "x:1"},
        new String[] {"tag", "a", "UPPER/case"},
        new String[] {"load", "-i", dir.resolve("missing.tar").toString()},
        new String[] {"rmi", "bad name"},
        new String[] {"bogus"},
        new String[] {"images", "--format", "yaml"},
        new String[] {"save", "--format", "zip", "-o", "x.tar", "a"},
        new String[] {"system"})) {
      Result r = kiln(args);
      assertEquals(Main.EXIT_ERROR, r.code(), String.join(" ", args));
      assertTrue(r.err().startsWith("kiln: "), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertEquals("", r.out(), String.join(" ", args));
    }
    Result r = kiln("inspect", "nothere");
    assertTrue(r.err().contains("docker.io/library/nothere:latest"), r.err());
  }

  @Test
  void debugAddsTheStackTrace() {
    Result r = kiln("--debug", "inspect", "nothere");
    assertEquals(Main.EXIT_ERROR, r.code());
    assertTrue(r.err().lines().count() > 3, r.err());
    assertTrue(r.err().contains("at dev.kiln."), r.err());
  }

  @Test
  void aBadArchiveLeavesTheStoreUnchanged() throws Exception {
    kiln("images");
    String before = Files.readString(root.resolve("index.json"));
    byte[] archive = Files.readAllBytes(dockerArchive("x:1"));
    Path cut = dir.resolve("cut.tar");
    Files.write(cut, java.util.Arrays.copyOf(archive, archive.length / 2));
    Result r = kiln("load", "-i", cut.toString());
    assertEquals(Main.EXIT_ERROR, r.code());
    assertTrue(r.err().startsWith("kiln: archive " + cut), r.err());
    assertEquals(before, Files.readString(root.resolve("index.json")));
    assertEquals(List.of(), Files.list(root.resolve("blobs/sha256")).toList());
  }

  @Test
  void theRootDefaultsToKilnRootThenTheSystemOrXdgDir() {
    KilnCommand k = new KilnCommand();
    k.root = dir;
    assertEquals(dir, k.root());
    k.root = null;
    String env = System.getenv("KILN_ROOT");
    Path expected = env != null && !env.isEmpty() ? Path.of(env) : null;
    if (expected != null) {
      assertEquals(expected, k.root());
    } else {
      assertTrue(k.root().endsWith("kiln"), k.root().toString());
    }
  }
}
