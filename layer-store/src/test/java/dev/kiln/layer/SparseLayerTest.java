package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.internal.FileAttrs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files with holes: written as GNU sparse 1.0 entries (the layer holds only the data), the same map
 * whatever the file's allocation, and applied back with the holes left as holes.
 */
class SparseLayerTest {
  static final long GIB = 1L << 30;

  @TempDir Path tmp;

  /**
   * Makes a tree with a 1 GiB file holding three pieces of data (one at the very end), a 64 MiB one
   * that ends in a hole, one that is all hole, and an ordinary file.
   */
  static void sparseTree(Path root) throws IOException {
    Files.createDirectories(root.resolve("data"));
    Random random = new Random(7);
    try (RandomAccessFile f = new RandomAccessFile(root.resolve("data/big.img").toFile(), "rw")) {
      f.setLength(GIB);
      f.seek(0);
      f.write("header of a disk image\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
      byte[] middle = new byte[10_000];
      random.nextBytes(middle);
      f.seek(300L << 20);
      f.write(middle);
      f.seek(GIB - 100);
      f.write(new byte[] {1, 2, 3});
      f.seek(GIB - 3);
      f.write(new byte[] {4, 5, 6});
    }
    try (RandomAccessFile f = new RandomAccessFile(root.resolve("data/tail-hole").toFile(), "rw")) {
      f.setLength(64L << 20);
      f.seek(1L << 20);
      f.write("in the middle of nowhere".getBytes(StandardCharsets.US_ASCII));
    }
    try (RandomAccessFile f = new RandomAccessFile(root.resolve("data/empty-disk").toFile(), "rw")) {
      f.setLength(5L << 20);
    }
    Fixtures.write(root.resolve("data/plain.txt"), "no holes here\n");
    Fixtures.fixMtimes(root);
  }

  private static long allocated(Path p) throws IOException {
    return FileAttrs.read(p).blocks() * 512;
  }

  @Test
  void sparseFilesMakeASmallLayerAndApplyWithTheirHoles() throws IOException {
    Path src = tmp.resolve("src");
    sparseTree(src);
    assertTrue(FileAttrs.read(src.resolve("data/big.img")).mayBeSparse(), "the file system keeps holes");
    byte[] layer = Fixtures.layerBytes(src, LayerOptions.defaults().withCompression(Compression.NONE));
    assertTrue(layer.length < (1 << 20), "1 GiB of holes, a few KiB of data: " + layer.length + " bytes");

    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(layer), out);
    assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(out, true), "same content, modes, mtimes");
    for (String f : new String[] {"data/big.img", "data/tail-hole", "data/empty-disk"}) {
      assertTrue(allocated(out.resolve(f)) < (1 << 20), f + " keeps its holes: " + allocated(out.resolve(f)));
    }
  }

  @Test
  void theMapDependsOnTheContentNotOnHowItWasAllocated() throws IOException {
    Path one = tmp.resolve("one");
    Path two = tmp.resolve("two");
    sparseTree(one);
    sparseTree(two);
    // the same bytes, but 1 MiB of zeros written out (allocated) in the middle of a hole, and a
    // data block's zero neighbours allocated too
    try (RandomAccessFile f = new RandomAccessFile(two.resolve("data/big.img").toFile(), "rw")) {
      f.seek(500L << 20);
      f.write(new byte[1 << 20]);
      f.seek((300L << 20) - 8192);
      f.write(new byte[8192]);
    }
    Fixtures.fixMtimes(two);
    assertTrue(allocated(two.resolve("data/big.img")) > allocated(one.resolve("data/big.img")));
    LayerOptions options = LayerOptions.defaults().withCompression(Compression.GZIP);
    byte[] a = Fixtures.layerBytes(one, options);
    assertArrayEquals(a, Fixtures.layerBytes(two, options));
    assertArrayEquals(a, Fixtures.layerBytes(one, options));
  }

  @Test
  void importingASparseLayerKeepsItSparseAndUnchanged() throws IOException {
    Path src = tmp.resolve("src");
    sparseTree(src);
    LayerOptions options = LayerOptions.defaults().withCompression(Compression.NONE);
    byte[] layer = Fixtures.layerBytes(src, options);
    java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
    new LayerWriter(options).write(new LayerSource.Archive(new ByteArrayInputStream(layer), "layer.tar"), again);
    assertArrayEquals(layer, again.toByteArray());
  }
}
