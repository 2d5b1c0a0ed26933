package dev.kiln.layer;

import dev.kiln.layer.internal.FileAttrs;
import dev.kiln.layer.internal.Native;
import dev.kiln.oci.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Trees for layer tests, and a comparable snapshot of a tree's metadata and content. */
final class Fixtures {
  private Fixtures() {}

  /** A version-2 security.capability value granting cap_net_bind_service (bit 10), permitted. */
  static final byte[] CAPABILITY = {
    0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  static final long MTIME = 1_700_000_000L;

  /**
   * Makes a tree with every kind of entry a layer holds: files (empty, text, binary, setuid),
   * directories (private, read-only), symlinks (relative, absolute, dangling, long), a file with
   * three hardlinks, names longer than 100 bytes, a non-ASCII name, a FIFO, char and block devices,
   * xattrs (user.* and a binary security.capability), other owners. Every mtime is fixed.
   */
  static void richTree(Path root) throws IOException {
    Files.createDirectories(root);
    write(root.resolve("etc/hostname"), "kiln\n");
    write(root.resolve("etc/empty"), "");
    byte[] random = new byte[300_000];
    new Random(42).nextBytes(random);
    Files.createDirectories(root.resolve("bin"));
    Files.write(root.resolve("bin/blob"), random);
    write(root.resolve("bin/ping"), "#!/bin/sh\necho ping\n");
    Native.chmod(root.resolve("bin/ping"), 04755);
    Native.setXattr(root.resolve("bin/ping"), "security.capability", CAPABILITY);
    Native.setXattr(root.resolve("etc/hostname"), "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(root.resolve("root"));
    Native.chmod(root.resolve("root"), 0700);
    Files.createDirectories(root.resolve("ro"));
    write(root.resolve("ro/inside"), "x");
    Native.chmod(root.resolve("ro"), 0555);
    Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("ping"));
    Files.createSymbolicLink(root.resolve("etc/abs"), Path.of("/etc/hostname"));
    Files.createSymbolicLink(root.resolve("etc/dangling"), Path.of("../nowhere"));
    Files.createSymbolicLink(root.resolve("etc/longlink"), Path.of("x".repeat(150)));
    write(root.resolve("usr/lib/a"), "shared content\n");
    Files.createLink(root.resolve("usr/lib/b"), root.resolve("usr/lib/a"));
    Files.createLink(root.resolve("usr/lib/c"), root.resolve("usr/lib/a"));
    String deep = "d".repeat(60) + "/" + "e".repeat(60) + "/" + "f".repeat(90) + ".txt";
    write(root.resolve("usr/" + deep), "long name\n");
    write(root.resolve("usr/café ünïcode.txt"), "utf-8\n");
    Files.createDirectories(root.resolve("dev"));
    Native.mknod(root.resolve("dev/fifo"), Native.S_IFIFO | 0644, 0, 0);
    Native.mknod(root.resolve("dev/null"), Native.S_IFCHR | 0666, 1, 3);
    Native.mknod(root.resolve("dev/loop0"), Native.S_IFBLK | 0660, 7, 0);
    Files.createDirectories(root.resolve("home/user"));
    write(root.resolve("home/user/notes"), "mine\n");
    Native.lchown(root.resolve("home/user"), 1000, 1000);
    Native.lchown(root.resolve("home/user/notes"), 1000, 100);
    Native.lchown(root.resolve("bin/sh"), 5, 6);
    fixMtimes(root);
  }

  static void write(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  /** Sets every mtime under and of {@code root} to {@link #MTIME}, deepest first. */
  static void fixMtimes(Path root) throws IOException {
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(all::add);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      Native.setTimes(all.get(i), MTIME, 0);
    }
  }

  /**
   * Describes every path under {@code root} (not the root): type, mode, owner, size, content digest,
   * link target, device, xattrs, hardlink group and (when asked) mtime.
   */
  static SortedMap<String, String> snapshot(Path root, boolean mtimes) throws IOException {
    SortedMap<String, String> out = new TreeMap<>();
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.filter(p -> !p.equals(root)).forEach(all::add);
    }
    TreeMap<Long, String> firstByInode = new TreeMap<>();
    for (Path p : all) {
      FileAttrs a = FileAttrs.read(p);
      String rel = root.relativize(p).toString();
      StringBuilder b = new StringBuilder();
      b.append(String.format("type=%o mode=%o uid=%d gid=%d", a.type(), a.mode() & 07777, a.uid(), a.gid()));
      if (a.isFile()) {
        b.append(" size=").append(a.size()).append(" sha=")
            .append(content(p).encoded(), 0, 12);
        if (a.nlink() > 1) {
          String first = firstByInode.putIfAbsent(a.ino(), rel);
          b.append(" linkgroup=").append(first == null ? rel : first);
        }
      }
      if (a.isSymlink()) {
        b.append(" -> ").append(Files.readSymbolicLink(p));
      }
      if (a.type() == Native.S_IFCHR || a.type() == Native.S_IFBLK) {
        b.append(" dev=").append(Native.major(a.rdev())).append(',').append(Native.minor(a.rdev()));
      }
      for (String x : new java.util.TreeSet<>(Native.listXattrs(p))) {
        if (x.equals("security.selinux")) {
          continue;
        }
        b.append(' ').append(x).append('=').append(HexFormat.of().formatHex(Native.getXattr(p, x)));
      }
      if (mtimes && !a.isSymlink()) {
        b.append(" mtime=").append(a.mtimeSeconds());
      }
      out.put(rel, b.toString());
    }
    return out;
  }

  /** Returns the digest of a file's content, read as a stream (sparse files may be large). */
  static dev.kiln.oci.Digest content(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return Digests.of("sha256", in);
    }
  }

  /** Writes a directory as a layer with the given options, returning the blob's bytes. */
  static byte[] layerBytes(Path root, LayerOptions options) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerWriter(options).write(new LayerSource.Directory(root), out);
    return out.toByteArray();
  }

  /** Copies nothing; a sink that only counts. */
  static OutputStream nowhere() {
    return OutputStream.nullOutputStream();
  }
}
