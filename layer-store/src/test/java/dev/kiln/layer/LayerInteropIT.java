package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with the real tools: layers kiln writes unpack with umoci and GNU tar into the tree kiln
 * wrote (modes, owners, links, devices, xattrs and mtimes compared), and images umoci builds with
 * whiteouts (files and directories deleted in a later layer) apply with kiln into the tree umoci
 * unpacks.
 */
class LayerInteropIT {
  @TempDir Path tmp;
  @TempDir static Path shared;
  private static Path source;

  /** Makes the busybox tree once for the class (it takes a while on a busy machine). */
  @BeforeAll
  static void makeSource() throws IOException, InterruptedException {
    source = shared.resolve("src");
    TestLayouts.run("busybox-static", TestLayouts.repoRoot().resolve("scripts/busybox-rootfs").toString(),
        source.toString());
    Fixtures.richTree(source.resolve("rich"));
    Fixtures.fixMtimes(source);
  }

  private Path sourceTree() {
    return source;
  }

  private WrittenLayer write(Path src, Compression c, Path blob) throws IOException {
    try (OutputStream out = Files.newOutputStream(blob)) {
      return new LayerWriter(LayerOptions.defaults().withCompression(c)).write(new LayerSource.Directory(src), out);
    }
  }

  @Test
  void umociUnpacksKilnLayersToTheSameTree() throws Exception {
    Path src = sourceTree();
    // this umoci (0.4.x) reads gzip and plain layers only; zstd is checked with GNU tar below
    for (Compression c : new Compression[] {Compression.GZIP, Compression.NONE}) {
      Path blob = tmp.resolve("layer." + c);
      WrittenLayer layer = write(src, c, blob);
      Path layout = tmp.resolve("layout-" + c);
      TestLayouts.writeImage(layout, "latest", blob, layer);
      Path bundle = tmp.resolve("bundle-" + c);
      TestLayouts.run("umoci", "umoci", "unpack", "--image", layout + ":latest", bundle.toString());
      SortedMap<String, String> expected = Fixtures.snapshot(src, true);
      assertTrue(expected.size() > 300, "busybox tree plus fixtures: " + expected.size());
      assertEquals(expected, Fixtures.snapshot(bundle.resolve("rootfs"), true), "umoci, " + c);
    }
  }

  @Test
  void gnuTarExtractsKilnLayersToTheSameTree() throws Exception {
    Path src = sourceTree();
    for (Compression c : Compression.values()) {
      Path blob = tmp.resolve("layer." + c);
      write(src, c, blob);
      Path out = tmp.resolve("gnutar-" + c);
      Files.createDirectories(out);
      TestLayouts.run("tar", "tar", "--xattrs", "--xattrs-include=*", "--same-owner", "--numeric-owner",
          c == Compression.ZSTD ? "--zstd" : c == Compression.GZIP ? "--gzip" : "--no-auto-compress",
          "-xpf", blob.toString(), "-C", out.toString());
      assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(out, true), "GNU tar, " + c);
    }
  }

  @Test
  void kilnAppliesGnuTarArchivesToTheSameTree() throws Exception {
    Path src = sourceTree();
    Path archive = tmp.resolve("gnu.tar.gz");
    TestLayouts.run("tar", "tar", "--xattrs", "--xattrs-include=*", "--format=posix", "--numeric-owner",
        "-czf", archive.toString(), "-C", src.toString(), ".");
    Path out = tmp.resolve("kiln");
    Files.createDirectories(out);
    try (var in = Files.newInputStream(archive)) {
      new LayerApplier(ApplyOptions.defaults()).apply(in, out);
    }
    assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(out, true));
  }

  @Test
  void umociImagesWithWhiteoutsApplyLikeUmociUnpacksThem() throws Exception {
    Path layout = tmp.resolve("umoci-layout");
    String image = layout + ":img";
    TestLayouts.run("umoci", "umoci", "init", "--layout", layout.toString());
    TestLayouts.run("umoci", "umoci", "new", "--image", image);
    Path bundle = tmp.resolve("bundle");
    TestLayouts.run("umoci", "umoci", "unpack", "--image", image, bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    // layer 1: busybox plus files to delete later
    TestLayouts.run("tar", "sh", "-c", "cd " + source + " && tar -cf - . | tar -xpf - -C " + rootfs);
    Fixtures.write(rootfs.resolve("data/keep"), "keep");
    Fixtures.write(rootfs.resolve("data/drop"), "drop");
    Fixtures.write(rootfs.resolve("tree/a/b/c"), "deep");
    Fixtures.write(rootfs.resolve("opaque/old1"), "1");
    Fixtures.write(rootfs.resolve("opaque/old2"), "2");
    TestLayouts.run("umoci", "umoci", "repack", "--refresh-bundle", "--image", image, bundle.toString());
    // layer 2: delete a file, a whole tree and a directory's contents (replaced), change a file
    Files.delete(rootfs.resolve("data/drop"));
    TestLayouts.run("coreutils", "rm", "-rf", rootfs.resolve("tree").toString(), rootfs.resolve("opaque").toString(),
        rootfs.resolve("bin/vi").toString());
    Fixtures.write(rootfs.resolve("opaque/new"), "n");
    Files.writeString(rootfs.resolve("data/keep"), "changed");
    TestLayouts.run("umoci", "umoci", "repack", "--refresh-bundle", "--image", image, bundle.toString());
    assertEquals(2, TestLayouts.layers(layout, "img").size(), "files, then deletions");

    Path expected = tmp.resolve("expected");
    TestLayouts.run("umoci", "umoci", "unpack", "--image", image, expected.toString());
    Path actual = tmp.resolve("actual");
    TestLayouts.applyAll(layout, "img", actual);
    SortedMap<String, String> want = withoutDirectoryMtimes(Fixtures.snapshot(expected.resolve("rootfs"), true));
    assertTrue(!want.containsKey("data/drop") && !want.containsKey("tree") && want.containsKey("opaque/new"));
    assertEquals(want, withoutDirectoryMtimes(Fixtures.snapshot(actual, true)));
  }

  // umoci leaves a directory whose entries a later layer changes at the time of the unpack, not its
  // header's, so comparing those seconds only compares two clocks (the test failed when they fell
  // in different seconds). File mtimes are still compared.
  private static SortedMap<String, String> withoutDirectoryMtimes(SortedMap<String, String> snapshot) {
    SortedMap<String, String> out = new java.util.TreeMap<>();
    snapshot.forEach((path, attrs) ->
        out.put(path, attrs.startsWith("type=40000 ") ? attrs.replaceAll(" mtime=\\d+$", "") : attrs));
    return out;
  }
}
