package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.internal.TarEntry;
import dev.kiln.layer.internal.TarEntry.Type;
import dev.kiln.layer.internal.TarOutput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of hostile layers, generated here: each must be refused with an error naming the entry,
 * and the sandbox around the target (a sibling directory with a sentinel file, and the sandbox
 * itself) must be exactly as before, byte for byte and mtime for mtime.
 */
class HostileLayerTest {
  @TempDir Path tmp;

  /** One corpus case: its entries, and the entry the error must name. */
  private record Case(String name, List<Item> items, String offender) {}

  private record Item(TarEntry entry, byte[] content) {}

  private static Item file(String name, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return new Item(TarEntry.of(name, Type.FILE, 0644, b.length, 0), b);
  }

  private static Item dir(String name) {
    return new Item(TarEntry.of(name, Type.DIRECTORY, 0755, 0, 0), null);
  }

  private static Item symlink(String name, String target) {
    return new Item(TarEntry.of(name, Type.SYMLINK, 0777, 0, 0).withLinkName(target), null);
  }

  private static Item hardlink(String name, String target) {
    return new Item(TarEntry.of(name, Type.HARDLINK, 0644, 0, 0).withLinkName(target), null);
  }

  private static byte[] tar(List<Item> items) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarOutput t = new TarOutput(out);
    for (Item i : items) {
      t.put(i.entry(), i.content() == null ? null : new ByteArrayInputStream(i.content()));
    }
    t.finish();
    return out.toByteArray();
  }

  private static List<Case> corpus() {
    return List.of(
        new Case("dot-dot", List.of(file("../evil", "x")), "../evil"),
        new Case("dot-dot-inside", List.of(dir("a"), file("a/../../evil", "x")), "a/../../evil"),
        new Case("absolute", List.of(file("/tmp/evil", "x")), "/tmp/evil"),
        new Case("write-through-escaping-symlink",
            List.of(symlink("link", "../outside"), file("link/pwned", "x")), "link/pwned"),
        new Case("write-through-deep-escaping-symlink",
            List.of(dir("a"), dir("a/b"), symlink("a/b/up", "../../../../../.."),
                file("a/b/up/pwned", "x")), "a/b/up/pwned"),
        new Case("symlink-chain-escape",
            List.of(symlink("one", "two"), symlink("two", "../outside"), file("one/pwned", "x")),
            "one/pwned"),
        new Case("symlink-replaces-directory",
            List.of(dir("d"), file("d/ok", "fine"), symlink("d", "../outside"), file("d/pwned", "x")),
            "d/pwned"),
        new Case("hardlink-outside", List.of(hardlink("hl", "../outside/sentinel")), "hl"),
        new Case("hardlink-absolute", List.of(hardlink("hl", "/etc/passwd")), "hl"),
        new Case("hardlink-through-escaping-symlink",
            List.of(symlink("link", "../outside"), hardlink("hl", "link/sentinel")), "hl"),
        new Case("whiteout-outside", List.of(file("../.wh.outside", "")), "../.wh.outside"),
        new Case("whiteout-through-escaping-symlink",
            List.of(symlink("link", "../outside"), file("link/.wh.sentinel", "")), "link/.wh.sentinel"),
        new Case("opaque-through-escaping-symlink",
            List.of(symlink("link", "../outside"), file("link/.wh..wh..opq", "")),
            "link/.wh..wh..opq"),
        new Case("whiteout-of-dot-dot", List.of(file(".wh...", "")), ".wh..."));
  }

  private SortedMap<String, String> sandbox() throws IOException {
    return Fixtures.snapshot(tmp, true);
  }

  private Path prepare(String name) throws IOException {
    Path box = tmp.resolve(name);
    Files.createDirectories(box.resolve("target"));
    Fixtures.write(box.resolve("outside/sentinel"), "precious\n");
    Fixtures.fixMtimes(box);
    return box;
  }

  /** Everything except the target directory's own contents. */
  private SortedMap<String, String> around(Path box) throws IOException {
    SortedMap<String, String> all = Fixtures.snapshot(box, true);
    all.keySet().removeIf(k -> k.startsWith("target/"));
    return all;
  }

  @TestFactory
  Stream<DynamicTest> hostileLayersAreRefusedAndTouchNothingOutside() {
    return corpus().stream().map(c -> DynamicTest.dynamicTest(c.name(),
        () -> assertRefused(c.name(), tar(c.items()), c.offender(), null)));
  }

  /** The same corpus read from files, which the applier reads by two threads (FileTar). */
  @TestFactory
  Stream<DynamicTest> hostileLayersInFilesAreRefusedAndTouchNothingOutside() {
    return corpus().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      Path box = prepare(c.name() + "-file");
      Path blob = tmp.resolve(c.name() + ".tar");
      Files.write(blob, tar(c.items()));
      SortedMap<String, String> before = around(box);
      LayerRejectedException e = assertThrows(LayerRejectedException.class, () -> {
        try (InputStream in = new FileInputStream(blob.toFile())) {
          new LayerApplier(ApplyOptions.defaults()).apply(in, box.resolve("target"));
        }
      });
      assertEquals(c.offender(), e.entry(), e.getMessage());
      Native_fixTargetMtime(box);
      assertEquals(before, around(box), "nothing outside the target changed");
    }));
  }

  /**
   * Applies a layer that must be refused naming {@code offender} (and, when given, saying {@code
   * why}), and checks that nothing outside the target changed.
   */
  private void assertRefused(String name, byte[] layer, String offender, String why) throws IOException {
    Path box = prepare(name);
    SortedMap<String, String> before = around(box);
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> new LayerApplier(ApplyOptions.defaults())
            .apply(new ByteArrayInputStream(layer), box.resolve("target")));
    assertEquals(offender, e.entry(), e.getMessage());
    assertTrue(e.getMessage().contains(offender), e.getMessage());
    if (why != null) {
      assertTrue(e.getMessage().contains(why), e.getMessage());
    }
    Native_fixTargetMtime(box);
    assertEquals(before, around(box), "nothing outside the target changed");
    assertEquals("precious\n", Files.readString(box.resolve("outside/sentinel")));
  }

  // Sparse files, built block by block here: TarOutput only writes honest maps.

  /** One ustar header block; {@code gnu} gives the old GNU magic that type 'S' entries carry. */
  private static byte[] header(String name, char type, long size, boolean gnu) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, n.length);
    putOctal(h, 100, 8, 0644);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, size);
    putOctal(h, 136, 12, Fixtures.MTIME);
    h[156] = (byte) type;
    byte[] magic = (gnu ? "ustar  \0" : "ustar\u000000").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, h, 257, 8);
    return h;
  }

  private static void putOctal(byte[] h, int offset, int length, long value) {
    byte[] digits = String.format("%0" + (length - 1) + "o", value).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, h, offset, length - 1);
  }

  /** Appends a block (checksummed when it is a header) and its body padded to whole blocks. */
  private static void block(ByteArrayOutputStream out, byte[] header, byte[] body) {
    fixChecksum(header, 0);
    out.writeBytes(header);
    out.writeBytes(body);
    out.writeBytes(new byte[(512 - body.length % 512) % 512]);
  }

  /** A layer of one pax-described file "sparse" whose stored content is {@code body}. */
  private static byte[] paxSparse(List<String> records, byte[] body) {
    StringBuilder pax = new StringBuilder();
    for (String r : records) {
      int rest = r.length() + 2; // " record\n", ASCII
      int len = rest + Integer.toString(rest).length();
      if (Integer.toString(len).length() != Integer.toString(rest).length()) {
        len++;
      }
      pax.append(len).append(' ').append(r).append('\n');
    }
    byte[] paxBytes = pax.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    block(out, header("PaxHeaders.0/sparse", 'x', paxBytes.length, false), paxBytes);
    block(out, header("GNUSparseFile.0/sparse", '0', body.length, false), body);
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** A sparse 1.0 layer: the map text padded to a block, then {@code data}. */
  private static byte[] sparse10(long realSize, String map, int data) {
    byte[] m = map.getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[(m.length + 511) / 512 * 512 + data];
    System.arraycopy(m, 0, body, 0, m.length);
    Arrays.fill(body, body.length - data, body.length, (byte) 'd');
    return paxSparse(List.of("GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=sparse",
        "GNU.sparse.realsize=" + realSize), body);
  }

  /** An old GNU sparse ('S') layer with one segment in the header. */
  private static byte[] oldGnuSparse(long realSize, long offset, long length, int data) {
    byte[] h = header("sparse", 'S', data, true);
    putOctal(h, 386, 12, offset);
    putOctal(h, 398, 12, length);
    putOctal(h, 483, 12, realSize);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    block(out, h, new byte[data]);
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private record SparseCase(String name, byte[] layer, String why) {}

  private static List<SparseCase> sparseCorpus() {
    return List.of(
        new SparseCase("segment-past-realsize", sparse10(1000, "1\n2000\n10\n", 10), "ends past"),
        new SparseCase("segment-ends-past-realsize", sparse10(1000, "1\n995\n10\n", 10), "ends past"),
        new SparseCase("overlapping-segments", sparse10(10_000, "2\n0\n600\n500\n10\n", 610), "overlaps"),
        new SparseCase("segments-out-of-order", sparse10(10_000, "2\n5000\n10\n0\n10\n", 20), "overlaps"),
        new SparseCase("more-data-than-the-map-declares", sparse10(10_000, "1\n0\n10\n", 600), "declares"),
        new SparseCase("less-data-than-the-map-declares", sparse10(10_000, "1\n0\n1000\n", 10), "declares"),
        new SparseCase("huge-segment-count", sparse10(10_000, "99999999999\n", 0), "segments"),
        new SparseCase("segment-count-past-the-data", sparse10(10_000, "200\n" + "1\n".repeat(254), 0),
            "runs past"), // a full block of map and no more: the count asks for more numbers
        new SparseCase("garbage-in-the-map", sparse10(10_000, "1\n0x10\n5\n", 5), "bad number"),
        new SparseCase("number-overflowing-a-long", sparse10(10_000, "1\n99999999999999999999999\n5\n", 5),
            "bad number"),
        new SparseCase("terabyte-realsize-beyond-the-bound", sparse10(1L << 40, "1\n0\n10\n", 10), "bound"),
        new SparseCase("unknown-sparse-version",
            paxSparse(List.of("GNU.sparse.major=2", "GNU.sparse.minor=0", "GNU.sparse.name=sparse",
                "GNU.sparse.realsize=100"), new byte[0]), "not supported"),
        new SparseCase("pax-0.1-odd-map", paxSparse(List.of("GNU.sparse.size=100",
            "GNU.sparse.map=0,10,20", "GNU.sparse.name=sparse"), new byte[10]), "even count"),
        new SparseCase("pax-0.1-past-realsize", paxSparse(List.of("GNU.sparse.size=100",
            "GNU.sparse.map=90,20", "GNU.sparse.name=sparse"), new byte[20]), "ends past"),
        new SparseCase("pax-0.1-negative", paxSparse(List.of("GNU.sparse.size=100",
            "GNU.sparse.map=-5,10", "GNU.sparse.name=sparse"), new byte[10]), "negative"),
        new SparseCase("pax-0.0-records-out-of-order", paxSparse(List.of("GNU.sparse.size=100",
            "GNU.sparse.numblocks=1", "GNU.sparse.numbytes=10", "GNU.sparse.offset=0",
            "path=sparse"), new byte[10]), "out-of-order"),
        new SparseCase("old-gnu-segment-past-realsize", oldGnuSparse(100, 04000, 8, 8), "ends past"),
        new SparseCase("old-gnu-more-data-than-declared", oldGnuSparse(100, 0, 8, 600), "declares"));
  }

  @TestFactory
  Stream<DynamicTest> lyingSparseMapsAreRefusedAndTouchNothingOutside() {
    return sparseCorpus().stream().map(c -> DynamicTest.dynamicTest(c.name(),
        () -> assertRefused("sparse-" + c.name(), c.layer(), "sparse", c.why())));
  }

  @Test
  void honestHandMadeSparseMapsApply() throws IOException {
    // Controls for the corpus above: the same builders with honest maps apply, so each refusal
    // comes from the lie. And a 1 TiB hole is no bomb once the bound allows the size: it costs no
    // disk.
    byte[][] honest = {
        sparse10(10_000, "2\n0\n600\n5000\n10\n", 610),
        paxSparse(List.of("GNU.sparse.size=10000", "GNU.sparse.map=0,600,5000,10",
            "GNU.sparse.name=sparse"), new byte[610]),
        paxSparse(List.of("GNU.sparse.size=10000", "GNU.sparse.numblocks=2", "GNU.sparse.offset=0",
            "GNU.sparse.numbytes=600", "GNU.sparse.offset=5000", "GNU.sparse.numbytes=10", "path=sparse"),
            new byte[610]),
        oldGnuSparse(10_000, 5000, 610, 610)};
    for (int i = 0; i < honest.length; i++) {
      Path box = prepare("honest-" + i);
      new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(honest[i]), box.resolve("target"));
      assertEquals(10_000, Files.size(box.resolve("target/sparse")), "case " + i);
    }
    Path box = prepare("terabyte-hole");
    new LayerApplier(ApplyOptions.defaults().withBounds(2L << 40, 1000))
        .apply(new ByteArrayInputStream(sparse10(1L << 40, "1\n0\n10\n", 10)), box.resolve("target"));
    Path big = box.resolve("target/sparse");
    assertEquals(1L << 40, Files.size(big));
    assertTrue(dev.kiln.layer.internal.FileAttrs.read(big).blocks() < 1024, "the hole takes no disk");
    try (var in = Files.newInputStream(big)) {
      assertEquals("dddddddddd", new String(in.readNBytes(10), StandardCharsets.US_ASCII));
    }
    Files.delete(big);
  }

  // The target directory's own mtime legitimately changes; everything else must not.
  private static void Native_fixTargetMtime(Path box) throws IOException {
    dev.kiln.layer.internal.Native.setTimes(box.resolve("target"), Fixtures.MTIME, 0);
    dev.kiln.layer.internal.Native.setTimes(box, Fixtures.MTIME, 0);
  }

  @Test
  void absoluteSymlinksResolveInsideTheTarget() throws IOException {
    Path box = prepare("absolute-symlink");
    SortedMap<String, String> before = around(box);
    byte[] layer = tar(List.of(symlink("link", box.resolve("outside").toString()),
        file("link/landed", "inside")));
    new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(layer), box.resolve("target"));
    // the absolute target is read as the image's root, which is the target directory
    Path landed = box.resolve("target").resolve(box.resolve("outside").toString().substring(1)).resolve("landed");
    assertEquals("inside", Files.readString(landed));
    Native_fixTargetMtime(box);
    assertEquals(before, around(box));
  }

  @Test
  void sizeThatLiesIsRefusedNamingTheEntry() throws IOException {
    byte[] whole = tar(List.of(file("ok", "fine"), file("liar", "y".repeat(5000))));
    byte[] cut = Arrays.copyOf(whole, 512 + 512 + 512 + 100); // the liar's header, then 100 bytes
    Path box = prepare("liar");
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(cut), box.resolve("target")));
    assertEquals("liar", e.entry(), e.getMessage());
  }

  @Test
  void sizeTooSmallMakesTheNextHeaderGarbageAndIsRefused() throws IOException {
    byte[] honest = tar(List.of(file("short", "z".repeat(2000)), file("next", "n")));
    // claim 10 bytes: the reader then takes file data for the next header
    byte[] lie = honest.clone();
    byte[] size = String.format("%011o", 10).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(size, 0, lie, 124, 11);
    fixChecksum(lie, 0);
    Path box = prepare("short");
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(lie), box.resolve("target")));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  private static void fixChecksum(byte[] tar, int offset) {
    Arrays.fill(tar, offset + 148, offset + 156, (byte) ' ');
    int sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[offset + i] & 0xff;
    }
    byte[] s = String.format("%06o\0", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, tar, offset + 148, 7);
  }

  private static byte[] gzipBomb(long zeros) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      TarOutput t = new TarOutput(gz);
      t.put(TarEntry.of("bomb", Type.FILE, 0644, zeros, 0), new InputStream() {
        long left = zeros;

        @Override
        public int read() {
          return left-- > 0 ? 0 : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          if (left <= 0) {
            return -1;
          }
          int n = (int) Math.min(len, left);
          Arrays.fill(b, off, off + n, (byte) 0);
          left -= n;
          return n;
        }
      });
      t.finish();
    }
    return out.toByteArray();
  }

  @Test
  void decompressionBombIsRefusedByRatio() throws IOException {
    byte[] bomb = gzipBomb(200L << 20); // 200 MiB of zeros, about 200 KiB compressed
    Path box = prepare("ratio");
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> new LayerApplier(ApplyOptions.defaults().withBounds(1L << 40, 100))
            .apply(new ByteArrayInputStream(bomb), box.resolve("target")));
    assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
    assertTrue(Files.size(box.resolve("target/bomb")) < (20L << 20), "stopped early");
  }

  @Test
  void decompressionBombIsRefusedBySize() throws IOException {
    byte[] bomb = gzipBomb(8L << 20);
    Path box = prepare("size");
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> new LayerApplier(ApplyOptions.defaults().withBounds(1L << 20, 1_000_000))
            .apply(new ByteArrayInputStream(bomb), box.resolve("target")));
    assertTrue(e.getMessage().contains("1048576"), e.getMessage());
    // and the same layer passes with room to spare
    Path ok = prepare("size-ok");
    new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(bomb), ok.resolve("target"));
    assertEquals(8L << 20, Files.size(ok.resolve("target/bomb")));
  }

  @Test
  void corpusCasesAreNotRefusedForAnotherReason() throws IOException {
    // Control: the same shapes without the hostile part apply cleanly, so each refusal above is
    // caused by the hostile entry and not by something incidental.
    List<Item> benign = new ArrayList<>(List.of(symlink("link", "d"), dir("d"), file("link/ok", "x"),
        hardlink("hl", "link/ok"), file("d/.wh.gone", ""), file("d/.wh..wh..opq", "")));
    Path box = prepare("benign");
    new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(tar(benign)), box.resolve("target"));
    assertEquals("x", Files.readString(box.resolve("target/hl")));
    assertEquals(sandbox().isEmpty(), false);
  }
}
