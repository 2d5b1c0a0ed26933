package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Digests;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A layer read from a {@link FileInputStream}, as the blob store opens one: an uncompressed layer
 * is then applied and hashed by two threads reading the file side by side, and must come out
 * exactly as through a plain stream.
 */
class FileLayerApplyTest {
  @TempDir Path tmp;

  /** A rich tree plus files larger than the readers' buffers, so content spans many refills. */
  private Path tree() throws IOException {
    Path src = tmp.resolve("src");
    Fixtures.richTree(src);
    Random r = new Random(7);
    for (int size : new int[] {(1 << 20) + 1, 3 << 20, 256 * 1024, 511}) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      Files.write(src.resolve("big-" + size), b);
    }
    Fixtures.fixMtimes(src);
    return src;
  }

  @Test
  void uncompressedFileAppliesAsAStreamDoesFromWhereTheStreamStands() throws IOException {
    Path src = tree();
    byte[] layer = Fixtures.layerBytes(src, LayerOptions.defaults().withCompression(Compression.NONE));
    // the layer after 1000 bytes of something else, which the caller has read already
    byte[] prefixed = new byte[1000 + layer.length];
    Arrays.fill(prefixed, 0, 1000, (byte) 0x1f); // gzip's first magic byte: must not be sniffed
    System.arraycopy(layer, 0, prefixed, 1000, layer.length);
    Path blob = tmp.resolve("layer.tar");
    Files.write(blob, prefixed);

    Path viaStream = Files.createDirectories(tmp.resolve("via-stream"));
    AppliedLayer expected = new LayerApplier(ApplyOptions.defaults())
        .apply(new ByteArrayInputStream(layer), viaStream);
    Path viaFile = Files.createDirectories(tmp.resolve("via-file"));
    AppliedLayer actual;
    try (InputStream in = new FileInputStream(blob.toFile())) {
      assertEquals(1000, in.readNBytes(1000).length);
      actual = new LayerApplier(ApplyOptions.defaults()).apply(in, viaFile);
      assertEquals(-1, in.read(), "the stream is left at its end");
    }

    assertEquals(Digests.sha256(layer), actual.diffId());
    assertEquals(expected, actual);
    assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(viaFile, true));
    assertEquals(Fixtures.snapshot(viaStream, true), Fixtures.snapshot(viaFile, true));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void everyCompressionAppliesFromAFile(Compression compression) throws IOException {
    Path src = tree();
    Path blob = tmp.resolve("layer");
    WrittenLayer written;
    try (var out = Files.newOutputStream(blob)) {
      written = new LayerWriter(LayerOptions.defaults().withCompression(compression))
          .write(new LayerSource.Directory(src), out);
    }
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    AppliedLayer applied;
    try (InputStream in = new FileInputStream(blob.toFile())) {
      applied = new LayerApplier(ApplyOptions.defaults()).apply(in, dst);
    }
    assertEquals(written.diffId(), applied.diffId());
    assertEquals(written.uncompressedSize(), applied.uncompressedSize());
    assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(dst, true));
  }

  @Test
  void aFileLargerThanTheBoundIsRefusedBeforeAnythingIsWritten() throws IOException {
    byte[] layer = Fixtures.layerBytes(tree(), LayerOptions.defaults().withCompression(Compression.NONE));
    Path blob = tmp.resolve("layer.tar");
    Files.write(blob, layer);
    Path dst = Files.createDirectories(tmp.resolve("dst"));
    LayerRejectedException e = assertThrows(LayerRejectedException.class, () -> {
      try (InputStream in = new FileInputStream(blob.toFile())) {
        new LayerApplier(ApplyOptions.defaults().withBounds(1 << 20, 1000)).apply(in, dst);
      }
    });
    assertTrue(e.getMessage().contains(layer.length + " bytes") && e.getMessage().contains("1048576"),
        e.getMessage());
    try (var listing = Files.list(dst)) {
      assertEquals(0, listing.count(), "nothing written");
    }
  }

  @Test
  void aFileThatEndsInsideAnEntryIsRefusedNamingIt() throws IOException {
    byte[] layer = Fixtures.layerBytes(tree(), LayerOptions.defaults().withCompression(Compression.NONE));
    Path blob = tmp.resolve("cut.tar");
    Files.write(blob, Arrays.copyOf(layer, layer.length / 2));
    LayerRejectedException e = assertThrows(LayerRejectedException.class, () -> {
      try (InputStream in = new FileInputStream(blob.toFile())) {
        new LayerApplier(ApplyOptions.defaults()).apply(in, Files.createDirectories(tmp.resolve("dst")));
      }
    });
    assertTrue(e.getMessage().contains("archive ends"), e.getMessage());
    assertTrue(e.entry().startsWith("big-"), e.getMessage()); // half way falls inside a large file
  }
}
