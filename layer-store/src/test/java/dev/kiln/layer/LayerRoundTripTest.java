package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Digests;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LayerRoundTripTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(Compression.class)
  void writtenLayerAppliesToTheSameTree(Compression compression) throws IOException {
    Path src = tmp.resolve("src");
    Fixtures.richTree(src);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    WrittenLayer written = new LayerWriter(LayerOptions.defaults().withCompression(compression))
        .write(new LayerSource.Directory(src), blob);

    assertEquals(Digests.sha256(blob.toByteArray()), written.descriptor().digest());
    assertEquals(blob.size(), written.descriptor().size());
    assertEquals(compression.mediaType(), written.descriptor().mediaType());
    assertEquals(compression, Compression.detect(blob.toByteArray(), 4));

    Path dst = tmp.resolve("dst");
    Files.createDirectories(dst);
    AppliedLayer applied = new LayerApplier(ApplyOptions.defaults())
        .apply(new ByteArrayInputStream(blob.toByteArray()), dst);
    assertEquals(written.diffId(), applied.diffId());
    assertEquals(written.uncompressedSize(), applied.uncompressedSize());

    SortedMap<String, String> expected = Fixtures.snapshot(src, true);
    SortedMap<String, String> actual = Fixtures.snapshot(dst, true);
    assertTrue(expected.get("bin/ping").contains("security.capability=0100000200040000"), expected.get("bin/ping"));
    assertTrue(expected.get("dev/null").contains("dev=1,3"), expected.get("dev/null"));
    assertTrue(expected.get("home/user/notes").contains("uid=1000 gid=100"), expected.get("home/user/notes"));
    assertEquals(expected, actual);
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = "NONE")
  void commonsCompressReadsTheSameEntries(Compression compression) throws IOException {
    Path src = tmp.resolve("src");
    Fixtures.richTree(src);
    byte[] tar = Fixtures.layerBytes(src, LayerOptions.defaults().withCompression(compression));
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : "")
            + (e.isLink() ? " link " + e.getLinkName() : ""));
        if (e.getName().equals("bin/ping")) {
          assertEquals(04755, e.getMode() & 07777);
        }
        if (e.getName().equals("dev/null")) {
          assertTrue(e.isCharacterDevice());
          assertEquals(1, e.getDevMajor());
          assertEquals(3, e.getDevMinor());
        }
      }
    }
    assertTrue(names.contains("usr/lib/b link usr/lib/a"), names.toString());
    assertTrue(names.contains("usr/lib/c link usr/lib/a"), names.toString());
    assertTrue(names.contains("etc/longlink -> " + "x".repeat(150)), names.toString());
    assertTrue(names.contains("usr/" + "d".repeat(60) + "/" + "e".repeat(60) + "/" + "f".repeat(90) + ".txt"),
        names.toString());
    List<String> sorted = new ArrayList<>(names);
    assertEquals(names.indexOf("bin/"), 0, "entries start with the first directory in name order");
    assertTrue(names.indexOf("usr/") < names.indexOf("usr/lib/"));
    assertEquals(sorted.size(), names.size());
  }
}
