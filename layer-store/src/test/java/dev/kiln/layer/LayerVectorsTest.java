package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.layer.internal.Native;
import dev.kiln.oci.Vectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** spec/vectors/layer: trees whose kiln layer has an exact, pinned diffId. */
class LayerVectorsTest {
  @TempDir Path tmp;

  private static void build(Path root, String name) throws IOException {
    Files.createDirectories(root);
    for (List<String> row : Vectors.table("layer/trees.txt")) {
      if (!row.get(0).equals(name)) {
        continue;
      }
      Path p = root.resolve(row.get(2));
      int mode = Integer.parseInt(row.get(3), 8);
      String content = row.size() > 4 ? row.get(4).replace("\\n", "\n") : "";
      switch (row.get(1)) {
        case "d" -> Files.createDirectories(p);
        case "f" -> Files.writeString(p, content);
        case "l" -> Files.createSymbolicLink(p, Path.of(content));
        case "h" -> Files.createLink(p, root.resolve(content));
        default -> throw new IllegalArgumentException("trees.txt: type " + row.get(1));
      }
      if (!row.get(1).equals("l")) {
        Native.chmod(p, mode);
      }
    }
    Fixtures.fixMtimes(root);
  }

  @TestFactory
  Stream<DynamicTest> kilnWritesThePinnedDiffId() {
    return Vectors.table("layer/diffids.txt").stream().map(row -> DynamicTest.dynamicTest(
        row.get(0) + " epoch " + row.get(1), () -> {
          Path root = tmp.resolve(row.get(0) + "-" + row.get(1));
          build(root, row.get(0));
          LayerOptions options = LayerOptions.defaults().withCompression(Compression.NONE).withRootOwned(true);
          if (!row.get(1).equals("-")) {
            options = options.withSourceDateEpoch(Long.parseLong(row.get(1)));
          }
          ByteArrayOutputStream tar = new ByteArrayOutputStream();
          WrittenLayer written = new LayerWriter(options).write(new LayerSource.Directory(root), tar);
          assertEquals(row.get(2), written.diffId().toString());
          // and the tar applies back to the same tree
          Path back = tmp.resolve(row.get(0) + "-" + row.get(1) + "-back");
          Files.createDirectories(back);
          new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(tar.toByteArray()), back);
          if (row.get(1).equals("-")) {
            assertEquals(Fixtures.snapshot(root, true), Fixtures.snapshot(back, true));
          }
        }));
  }
}
