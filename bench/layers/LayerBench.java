import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.AppliedLayer;
import dev.kiln.layer.Compression;
import dev.kiln.layer.LayerApplier;
import dev.kiln.layer.LayerOptions;
import dev.kiln.layer.LayerSource;
import dev.kiln.layer.LayerWriter;
import dev.kiln.layer.WrittenLayer;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The kiln side of bench/layers/run: makes the benchmark tree, writes a layer from it, applies a
 * layer. Each call is one process, timed from outside like the GNU pipelines it is compared with.
 */
public final class LayerBench {
  private static final String[] WORDS = (
      "the quick brown fox jumps over lazy dog layer image kiln build registry manifest config "
      + "digest blob tar gzip zstd overlay whiteout container runtime namespace cgroup mount "
      + "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
      + "ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco")
      .split(" ");

  public static void main(String[] args) throws IOException {
    switch (args[0]) {
      case "make" -> make(Path.of(args[1]), Long.parseLong(args[2]) << 20);
      case "write" -> write(Compression.parse(args[1]), Path.of(args[2]), Path.of(args[3]));
      case "apply" -> apply(Path.of(args[1]), Path.of(args[2]));
      case "train" -> train(Path.of(args[1]));
      default -> throw new IllegalArgumentException(
          "make DIR MIB | write gzip|zstd|none TREE OUT | apply BLOB DIR | train WORKDIR");
    }
  }

  /** 60% of the bytes in small text files (1–32 KiB, 100 per directory), 40% in four random files. */
  private static void make(Path root, long bytes) throws IOException {
    Random r = new Random(20261127);
    long textBytes = bytes * 6 / 10;
    long written = 0;
    int file = 0;
    StringBuilder sb = new StringBuilder();
    while (written < textBytes) {
      Path dir = root.resolve("src/pkg" + (file / 1000)).resolve("mod" + (file / 100 % 10));
      Files.createDirectories(dir);
      int size = 1024 + r.nextInt(31 * 1024);
      sb.setLength(0);
      while (sb.length() < size) {
        sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(12) == 0 ? '\n' : ' ');
      }
      byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
      Files.write(dir.resolve("file" + file + ".txt"), b);
      written += b.length;
      file++;
    }
    Files.createDirectories(root.resolve("data"));
    long each = (bytes - written) / 4;
    byte[] buf = new byte[1 << 20];
    for (int i = 0; i < 4; i++) {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(root.resolve("data/random" + i + ".bin")))) {
        for (long left = each; left > 0; left -= buf.length) {
          r.nextBytes(buf);
          out.write(buf, 0, (int) Math.min(buf.length, left));
        }
      }
    }
    System.out.println(file + " text files, 4 random files");
  }

  /**
   * The AOT cache's training run (the kiln launcher records one too): every path the bench times,
   * once, on a small tree of its own, so that no measured run trains on the data it is timed on.
   */
  private static void train(Path work) throws IOException {
    Path tree = work.resolve("tree");
    make(tree, 16L << 20);
    for (Compression c : new Compression[] {Compression.GZIP, Compression.ZSTD, Compression.NONE}) {
      write(c, tree, work.resolve("layer." + c));
      Path into = Files.createDirectories(work.resolve("apply-" + c));
      apply(work.resolve("layer." + c), into);
    }
  }

  private static void write(Compression c, Path tree, Path out) throws IOException {
    LayerWriter w = new LayerWriter(LayerOptions.defaults().withCompression(c));
    try (OutputStream o = Files.newOutputStream(out)) {
      WrittenLayer l = w.write(new LayerSource.Directory(tree), o);
      System.out.println(l.diffId() + " " + l.uncompressedSize() + " " + l.descriptor().digest() + " " + l.descriptor().size());
    }
  }

  private static void apply(Path blob, Path dir) throws IOException {
    Files.createDirectories(dir);
    // a FileInputStream, as kiln's blob store opens a layer for unpacking
    try (InputStream in = new FileInputStream(blob.toFile())) {
      AppliedLayer a = new LayerApplier(ApplyOptions.defaults()).apply(in, dir);
      System.out.println(a.diffId() + " " + a.entries() + " entries");
    }
  }
}
