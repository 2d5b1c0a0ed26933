package dev.kiln.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.internal.Native;
import dev.kiln.layer.internal.TarEntry;
import dev.kiln.layer.internal.TarInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffTest {
  @TempDir Path tmp;

  private static byte[] tarOf(WriterCall call) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    call.write(new LayerWriter(LayerOptions.defaults().withCompression(Compression.NONE)), out);
    return out.toByteArray();
  }

  private interface WriterCall {
    void write(LayerWriter w, ByteArrayOutputStream out) throws IOException;
  }

  private static List<String> names(byte[] tar) throws IOException {
    List<String> names = new ArrayList<>();
    TarInput in = new TarInput(new ByteArrayInputStream(tar));
    for (TarEntry e; (e = in.next()) != null; ) {
      names.add(e.name() + (e.type() == TarEntry.Type.DIRECTORY ? "/" : ""));
    }
    return names;
  }

  private static void apply(byte[] layer, Path target) throws IOException {
    new LayerApplier(ApplyOptions.defaults()).apply(new ByteArrayInputStream(layer), target);
  }

  /** Copies a tree with tar so every attribute (links, xattrs, devices, times) survives. */
  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    apply(tarOf((w, out) -> w.write(new LayerSource.Directory(from), out)), to);
  }

  @Test
  void diffOfTwoTreesAppliedToTheLowerGivesTheUpper() throws IOException {
    Path lower = tmp.resolve("lower");
    Fixtures.richTree(lower);
    Path upper = tmp.resolve("upper");
    copy(lower, upper);
    // change, add, delete, replace a dir by a file and a file by a dir, change only an xattr
    Files.writeString(upper.resolve("etc/hostname"), "changed\n");
    Fixtures.write(upper.resolve("etc/new/added"), "new\n");
    Files.delete(upper.resolve("bin/blob"));
    Files.delete(upper.resolve("ro/inside"));
    Files.delete(upper.resolve("ro"));
    Files.writeString(upper.resolve("ro"), "now a file");
    Files.delete(upper.resolve("etc/empty"));
    Fixtures.write(upper.resolve("etc/empty/child"), "now a dir");
    Native.setXattr(upper.resolve("usr/café ünïcode.txt"), "user.tag", "v".getBytes(StandardCharsets.UTF_8));
    Fixtures.fixMtimes(upper);
    Native.setTimes(upper.resolve("etc/hostname"), Fixtures.MTIME + 5, 0);

    byte[] diff = tarOf((w, out) -> w.write(new LayerSource.Diff(lower, upper), out));
    List<String> names = names(diff);
    assertTrue(names.contains("bin/.wh.blob"), names.toString());
    assertTrue(names.contains("etc/hostname"), names.toString());
    assertTrue(names.contains("etc/new/added"), names.toString());
    assertTrue(names.contains("usr/café ünïcode.txt"), names.toString());
    assertFalse(names.contains("usr/lib/a"), "unchanged files stay out: " + names);
    assertFalse(names.contains("home/"), "untouched directories stay out: " + names);

    Path merged = tmp.resolve("merged");
    copy(lower, merged);
    apply(diff, merged);
    Fixtures.fixMtimes(merged);
    Fixtures.fixMtimes(upper);
    assertEquals(Fixtures.snapshot(upper, false), Fixtures.snapshot(merged, false));
  }

  @Test
  void overlayUpperDirBecomesOciWhiteouts() throws IOException {
    Path lower = tmp.resolve("lower");
    Fixtures.write(lower.resolve("keep"), "k");
    Fixtures.write(lower.resolve("gone"), "g");
    Fixtures.write(lower.resolve("opaque/old"), "o");
    Fixtures.write(lower.resolve("dir/untouched"), "u");
    // an upper dir as overlayfs leaves it: whiteout char 0/0, opaque xattr, overlay-private xattrs
    Path upper = tmp.resolve("upper");
    Files.createDirectories(upper.resolve("opaque"));
    Native.mknod(upper.resolve("gone"), Native.S_IFCHR, 0, 0);
    Native.setXattr(upper.resolve("opaque"), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
    Fixtures.write(upper.resolve("opaque/fresh"), "f");
    Fixtures.write(upper.resolve("dir/added"), "a");
    Native.setXattr(upper.resolve("dir"), "trusted.overlay.origin", new byte[] {1, 2});

    byte[] layer = tarOf((w, out) -> w.write(new LayerSource.OverlayUpper(upper), out));
    assertEquals(List.of("dir/", "dir/added", ".wh.gone", "opaque/", "opaque/.wh..wh..opq", "opaque/fresh"),
        names(layer));
    TarInput in = new TarInput(new ByteArrayInputStream(layer));
    assertTrue(in.next().xattrs().isEmpty(), "overlay-private xattrs are left out");

    Path merged = tmp.resolve("merged");
    copy(lower, merged);
    apply(layer, merged);
    assertEquals(List.of("dir", "dir/added", "dir/untouched", "keep", "opaque", "opaque/fresh"),
        new ArrayList<>(Fixtures.snapshot(merged, false).keySet()));
  }

  @Test
  void realOverlayMountRoundTrips() throws IOException, InterruptedException {
    Path lower = tmp.resolve("l");
    Fixtures.write(lower.resolve("a/file"), "lower");
    Fixtures.write(lower.resolve("a/sub/deep"), "d");
    Fixtures.write(lower.resolve("b"), "b");
    Path upper = tmp.resolve("u");
    Path work = tmp.resolve("w");
    Path mnt = tmp.resolve("m");
    for (Path p : List.of(upper, work, mnt)) {
      Files.createDirectories(p);
    }
    run("mount", "-t", "overlay", "overlay", "-o",
        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, mnt.toString());
    try {
      Files.delete(mnt.resolve("b"));
      Files.writeString(mnt.resolve("a/file"), "upper");
      Files.delete(mnt.resolve("a/sub/deep"));
      Files.delete(mnt.resolve("a/sub"));
      Files.createDirectories(mnt.resolve("a/sub")); // overlayfs marks the new dir opaque
      Fixtures.write(mnt.resolve("a/sub/new"), "n");
    } finally {
      run("umount", mnt.toString());
    }
    byte[] layer = tarOf((w, out) -> w.write(new LayerSource.OverlayUpper(upper), out));
    List<String> names = names(layer);
    assertTrue(names.contains(".wh.b"), names.toString());
    assertTrue(names.contains("a/sub/.wh..wh..opq"), names.toString());
    Path merged = tmp.resolve("merged");
    copy(lower, merged);
    apply(layer, merged);
    assertEquals(List.of("a", "a/file", "a/sub", "a/sub/new"),
        new ArrayList<>(Fixtures.snapshot(merged, false).keySet()));
    assertEquals("upper", Files.readString(merged.resolve("a/file")));
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  @Test
  void overlayRedirectDirIsRefused() throws IOException {
    Path upper = tmp.resolve("upper");
    Files.createDirectories(upper.resolve("moved"));
    Native.setXattr(upper.resolve("moved"), "trusted.overlay.redirect", "/orig".getBytes(StandardCharsets.US_ASCII));
    LayerRejectedException e = assertThrows(LayerRejectedException.class,
        () -> tarOf((w, out) -> w.write(new LayerSource.OverlayUpper(upper), out)));
    assertEquals("moved", e.entry());
  }

  @Test
  void unpackedLayersAreMadeOnceWithOverlayWhiteouts() throws IOException {
    Path upper = tmp.resolve("upper");
    Files.createDirectories(upper.resolve("opaque"));
    Native.mknod(upper.resolve("gone"), Native.S_IFCHR, 0, 0);
    Native.setXattr(upper.resolve("opaque"), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
    Fixtures.write(upper.resolve("opaque/fresh"), "f");
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    WrittenLayer written = new LayerWriter(LayerOptions.defaults()).write(new LayerSource.OverlayUpper(upper), blob);
    int[] opens = {0};
    dev.kiln.oci.Layer layer = new dev.kiln.oci.Layer() {
      @Override
      public dev.kiln.oci.Digest diffId() {
        return written.diffId();
      }

      @Override
      public java.io.InputStream openUncompressed() {
        throw new UnsupportedOperationException();
      }

      @Override
      public dev.kiln.oci.Descriptor descriptor() {
        return written.descriptor();
      }

      @Override
      public java.io.InputStream open() {
        opens[0]++;
        return new ByteArrayInputStream(blob.toByteArray());
      }
    };
    UnpackedLayers cache = new UnpackedLayers(tmp.resolve("cache"), ApplyOptions.defaults());
    assertTrue(cache.find(written.diffId()).isEmpty());
    Path dir = cache.unpack(layer);
    assertEquals(dir, cache.unpack(layer));
    assertEquals(1, opens[0], "unpacked once");
    assertEquals(dir, cache.find(written.diffId()).orElseThrow());
    assertTrue(dev.kiln.layer.internal.FileAttrs.read(dir.resolve("gone")).isOverlayWhiteout());
    assertEquals("y", new String(Native.getXattr(dir.resolve("opaque"), "trusted.overlay.opaque"),
        StandardCharsets.US_ASCII));
    try (var s = Files.list(tmp.resolve("cache/tmp"))) {
      assertEquals(0, s.count(), "no scratch left");
    }
  }

  @Test
  void unpackedLayerWithTheWrongDiffIdIsNotKept() throws IOException {
    Path src = tmp.resolve("src");
    Fixtures.write(src.resolve("f"), "x");
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    WrittenLayer written = new LayerWriter(LayerOptions.defaults()).write(new LayerSource.Directory(src), blob);
    dev.kiln.oci.Digest wrong = dev.kiln.oci.Digests.sha256(new byte[] {1});
    dev.kiln.oci.Layer layer = new dev.kiln.oci.Layer() {
      @Override
      public dev.kiln.oci.Digest diffId() {
        return wrong;
      }

      @Override
      public java.io.InputStream openUncompressed() {
        throw new UnsupportedOperationException();
      }

      @Override
      public dev.kiln.oci.Descriptor descriptor() {
        return written.descriptor();
      }

      @Override
      public java.io.InputStream open() {
        return new ByteArrayInputStream(blob.toByteArray());
      }
    };
    UnpackedLayers cache = new UnpackedLayers(tmp.resolve("cache"), ApplyOptions.defaults());
    assertThrows(dev.kiln.oci.DigestMismatchException.class, () -> cache.unpack(layer));
    assertTrue(cache.find(wrong).isEmpty());
    try (var s = Files.list(tmp.resolve("cache/tmp"))) {
      assertEquals(0, s.count(), "no scratch left");
    }
  }
}
