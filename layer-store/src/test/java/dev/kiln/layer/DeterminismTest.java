package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.layer.internal.Native;
import dev.kiln.oci.Digester;
import dev.kiln.store.FileBlobStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeterminismTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(Compression.class)
  void sameTreeInTwoRootsGivesTheSameBytes(Compression compression) throws IOException {
    Fixtures.richTree(tmp.resolve("one"));
    Fixtures.richTree(tmp.resolve("two"));
    LayerOptions options = LayerOptions.defaults().withCompression(compression);
    byte[] a = Fixtures.layerBytes(tmp.resolve("one"), options);
    byte[] b = Fixtures.layerBytes(tmp.resolve("two"), options);
    byte[] again = Fixtures.layerBytes(tmp.resolve("one"), options);
    assertArrayEquals(a, b);
    assertArrayEquals(a, again);
  }

  // Into a store, the store's writer hashes the blob and this writer does not: same result.
  @ParameterizedTest
  @EnumSource(Compression.class)
  void writingIntoAStoreGivesTheSameLayerAsWritingToAStream(Compression compression)
      throws IOException {
    Fixtures.richTree(tmp.resolve("t"));
    LayerWriter writer = new LayerWriter(LayerOptions.defaults().withCompression(compression));
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    WrittenLayer toStream = writer.write(new LayerSource.Directory(tmp.resolve("t")), streamed);
    FileBlobStore store = new FileBlobStore(tmp.resolve("store"));
    WrittenLayer toStore = writer.write(new LayerSource.Directory(tmp.resolve("t")), store);
    assertEquals(toStream, toStore);
    Digester digester = Digester.sha256();
    digester.update(streamed.toByteArray(), 0, streamed.size());
    assertEquals(digester.digest(), toStore.descriptor().digest());
    assertArrayEquals(streamed.toByteArray(),
        store.readAll(toStore.descriptor().digest(), streamed.size()));
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = {"GZIP", "ZSTD"})
  void threadCountDoesNotChangeTheBlob(Compression compression) throws IOException {
    Fixtures.richTree(tmp.resolve("t"));
    LayerOptions options = LayerOptions.defaults().withCompression(compression);
    assertArrayEquals(
        Fixtures.layerBytes(tmp.resolve("t"), options.withThreads(1)),
        Fixtures.layerBytes(tmp.resolve("t"), options.withThreads(5)));
  }

  @Test
  void sourceDateEpochClampsNewerMtimesOnly() throws IOException {
    Path one = tmp.resolve("one");
    Path two = tmp.resolve("two");
    Fixtures.richTree(one);
    Fixtures.richTree(two);
    LayerWriter plain = new LayerWriter(LayerOptions.defaults().withCompression(Compression.NONE));
    LayerWriter clamped = new LayerWriter(
        LayerOptions.defaults().withCompression(Compression.NONE).withSourceDateEpoch(1_000));
    // touching a file changes the plain layer, but not the clamped one (both times are after the epoch)
    Native.setTimes(two.resolve("etc/hostname"), Fixtures.MTIME + 99, 0);
    assertNotEquals(
        plain.write(new LayerSource.Directory(one), Fixtures.nowhere()).diffId(),
        plain.write(new LayerSource.Directory(two), Fixtures.nowhere()).diffId());
    assertEquals(
        clamped.write(new LayerSource.Directory(one), Fixtures.nowhere()).diffId(),
        clamped.write(new LayerSource.Directory(two), Fixtures.nowhere()).diffId());
    // a file older than the epoch keeps its own time
    Native.setTimes(two.resolve("etc/hostname"), 10, 0);
    assertNotEquals(
        clamped.write(new LayerSource.Directory(one), Fixtures.nowhere()).diffId(),
        clamped.write(new LayerSource.Directory(two), Fixtures.nowhere()).diffId());
  }
}
