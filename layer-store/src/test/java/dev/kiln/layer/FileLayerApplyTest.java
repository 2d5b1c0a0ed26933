package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.Digests;
import dev.kiln.oci.Layer;
import dev.kiln.store.BlobStore;
import dev.kiln.store.FileBlobStore;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

  @Test
  void anUncompressedLayerInTheStoreUnpacksThroughTheFileAndIsVerified() throws IOException {
    Path src = tree();
    BlobStore store = new FileBlobStore(tmp.resolve("store"));
    WrittenLayer written = new LayerWriter(LayerOptions.defaults().withCompression(Compression.NONE))
        .write(new LayerSource.Directory(src), store);
    try (InputStream in = store.open(written.descriptor().digest())) {
      assertInstanceOf(FileInputStream.class, in, "the store's streams carry their file");
    }
    int niceBefore = callingThreadsNice();

    UnpackedLayers cache = new UnpackedLayers(tmp.resolve("cache"), ApplyOptions.defaults());
    Path dir = cache.unpack(stored(store, written.descriptor(), written.diffId()));
    assertEquals(Fixtures.snapshot(src, true), Fixtures.snapshot(dir, true));
    assertEquals(niceBefore, callingThreadsNice(), "only the hashing thread is niced");

    // the diffId is still checked: a layer claiming another one is refused and not kept
    Digest wrong = Digests.sha256(new byte[] {1});
    UnpackedLayers other = new UnpackedLayers(tmp.resolve("other"), ApplyOptions.defaults());
    assertThrows(DigestMismatchException.class,
        () -> other.unpack(stored(store, written.descriptor(), wrong)));
    assertTrue(other.find(wrong).isEmpty());
    try (var scratch = Files.list(tmp.resolve("other/tmp"))) {
      assertEquals(0, scratch.count(), "no scratch left");
    }
  }

  /** A layer read from a blob store, as the runtime's unpacking reads one. */
  private static Layer stored(BlobStore store, Descriptor descriptor, Digest diffId) {
    return new Layer() {
      @Override
      public Descriptor descriptor() {
        return descriptor;
      }

      @Override
      public InputStream open() throws IOException {
        return store.open(descriptor.digest());
      }

      @Override
      public Digest diffId() {
        return diffId;
      }

      @Override
      public InputStream openUncompressed() {
        throw new UnsupportedOperationException("not needed by UnpackedLayers");
      }
    };
  }

  /** The nice value of the calling thread (field 19 of its stat line). */
  private static int callingThreadsNice() throws IOException {
    String stat = Files.readString(Path.of("/proc/thread-self/stat"));
    List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    return Integer.parseInt(fields.get(16)); // fields from the state on: nice is the 17th
  }
}
