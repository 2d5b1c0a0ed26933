package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.internal.FileAttrs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sparse files with the real tools: GNU tar and umoci unpack kiln's sparse layers to the same
 * content, and kiln applies every sparse format GNU tar writes to the same content with the holes
 * kept.
 */
class SparseInteropIT {
  private static final String[] SPARSE_FILES = {"data/big.img", "data/tail-hole", "data/empty-disk"};

  @TempDir static Path shared;
  @TempDir Path tmp;
  private static Path source;
  private static SortedMap<String, String> expected;

  @BeforeAll
  static void makeSource() throws IOException {
    source = shared.resolve("src");
    SparseLayerTest.sparseTree(source);
    expected = Fixtures.snapshot(source, true);
  }

  private static void assertHolesKept(Path root) throws IOException {
    for (String f : SPARSE_FILES) {
      long allocated = FileAttrs.read(root.resolve(f)).blocks() * 512;
      assertTrue(allocated < (1 << 20), f + " keeps its holes: " + allocated + " bytes allocated");
    }
  }

  private Path kilnLayer(Compression c) throws IOException {
    Path blob = tmp.resolve("layer." + c);
    try (OutputStream out = Files.newOutputStream(blob)) {
      new LayerWriter(LayerOptions.defaults().withCompression(c)).write(new LayerSource.Directory(source), out);
    }
    assertTrue(Files.size(blob) < (1 << 20), "the layer holds the data only: " + Files.size(blob));
    return blob;
  }

  @ParameterizedTest
  @ValueSource(strings = {"NONE", "ZSTD"}) // gzip: umoci below
  void gnuTarExtractsKilnSparseLayersWithTheirHoles(Compression c) throws Exception {
    Path blob = kilnLayer(c);
    Path out = tmp.resolve("gnutar");
    Files.createDirectories(out);
    TestLayouts.run("tar", "tar", "--same-owner", "--numeric-owner",
        c == Compression.ZSTD ? "--zstd" : c == Compression.GZIP ? "--gzip" : "--no-auto-compress",
        "-xpf", blob.toString(), "-C", out.toString());
    assertEquals(expected, Fixtures.snapshot(out, true));
    assertHolesKept(out);
  }

  @Test
  void umociUnpacksKilnSparseLayersToTheSameContent() throws Exception {
    Compression c = Compression.GZIP; // this umoci (0.4.x) reads no zstd layers
    Path blob = tmp.resolve("layer." + c);
    WrittenLayer layer;
    try (OutputStream out = Files.newOutputStream(blob)) {
      layer = new LayerWriter(LayerOptions.defaults().withCompression(c)).write(new LayerSource.Directory(source), out);
    }
    Path layout = tmp.resolve("layout");
    TestLayouts.writeImage(layout, "latest", blob, layer);
    Path bundle = tmp.resolve("bundle");
    TestLayouts.run("umoci", "umoci", "unpack", "--image", layout + ":latest", bundle.toString());
    // umoci (Go's archive/tar) reads the map and writes the holes out as zeros: same content, not
    // the same allocation
    assertEquals(expected, Fixtures.snapshot(bundle.resolve("rootfs"), true));
  }

  @ParameterizedTest
  @ValueSource(strings = {"posix-1.0", "posix-0.1", "posix-0.0", "gnu"})
  void kilnAppliesGnuTarSparseArchivesWithTheirHoles(String format) throws Exception {
    Path archive = tmp.resolve("gnu-" + format + ".tar");
    String[] how = format.equals("gnu")
        ? new String[] {"--format=gnu"}
        : new String[] {"--format=posix", "--sparse-version=" + format.substring("posix-".length())};
    String[] cmd = new String[7 + how.length];
    cmd[0] = "tar";
    cmd[1] = "--sparse";
    cmd[2] = "--numeric-owner";
    System.arraycopy(how, 0, cmd, 3, how.length);
    cmd[3 + how.length] = "-cf";
    cmd[4 + how.length] = archive.toString();
    cmd[5 + how.length] = "-C" + source;
    cmd[6 + how.length] = ".";
    TestLayouts.run("tar", cmd);
    assertTrue(Files.size(archive) < (1 << 20), format + " archive holds the data only");
    Path out = tmp.resolve("kiln");
    Files.createDirectories(out);
    try (InputStream in = Files.newInputStream(archive)) {
      new LayerApplier(ApplyOptions.defaults()).apply(in, out);
    }
    assertEquals(expected, Fixtures.snapshot(out, true), format);
    assertHolesKept(out);
  }
}
