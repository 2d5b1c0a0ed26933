package dev.kiln.layer.internal;

import dev.kiln.layer.LayerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns files into tar entries with the writer's reproducibility rules (owner names empty, owners
 * 0:0 when asked, mtimes in whole seconds clamped to SOURCE_DATE_EPOCH when asked, xattrs sorted)
 * and writes them; a file with several links is written once and later names become hardlink
 * entries. Sockets are skipped (tar cannot hold them). Not thread-safe.
 */
public final class EntryEmitter {
  private final TarOutput tar;
  private final LayerOptions options;
  private final Map<Long, Map<Long, String>> linksByDevice = new HashMap<>();

  /**
   * Creates an emitter.
   *
   * @param tar where entries go
   * @param options owner and mtime rules
   */
  public EntryEmitter(TarOutput tar, LayerOptions options) {
    this.tar = tar;
    this.options = options;
  }

  /**
   * Writes one file as an entry.
   *
   * @param name the entry name (relative, no leading slash)
   * @param path the file
   * @param a its attributes
   * @param dropOverlayXattrs whether {@code trusted.overlay.*} and {@code user.overlay.*} are left out
   * @throws IOException when reading or writing fails
   */
  public void emit(String name, Path path, FileAttrs a, boolean dropOverlayXattrs)
      throws IOException {
    TarEntry.Type type = switch (a.type()) {
      case 0100000 -> TarEntry.Type.FILE;
      case 0040000 -> TarEntry.Type.DIRECTORY;
      case 0120000 -> TarEntry.Type.SYMLINK;
      case Native.S_IFCHR -> TarEntry.Type.CHAR_DEVICE;
      case Native.S_IFBLK -> TarEntry.Type.BLOCK_DEVICE;
      case Native.S_IFIFO -> TarEntry.Type.FIFO;
      default -> null; // a socket
    };
    if (type == null) {
      return;
    }
    if (a.nlink() > 1 && type != TarEntry.Type.DIRECTORY) {
      Map<Long, String> seen = linksByDevice.computeIfAbsent(a.dev(), d -> new HashMap<>());
      String first = seen.putIfAbsent(a.ino(), name);
      if (first != null) {
        put(new TarEntry(name, TarEntry.Type.HARDLINK, a.mode() & 07777, uid(a), gid(a), 0,
            mtime(a), first, 0, 0, Map.of()), null);
        return;
      }
    }
    TarEntry e = new TarEntry(name, type, a.mode() & 07777, uid(a), gid(a),
        type == TarEntry.Type.FILE ? a.size() : 0, mtime(a),
        type == TarEntry.Type.SYMLINK ? Files.readSymbolicLink(path).toString() : "",
        0, 0, xattrs(path, dropOverlayXattrs));
    if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
      e = e.withDevice(Native.major(a.rdev()), Native.minor(a.rdev()));
    }
    if (type == TarEntry.Type.FILE && a.size() > 0) {
      try (InputStream in = new FileContent(path)) {
        tar.put(e, in);
      }
    } else {
      tar.put(e, null);
    }
  }

  /**
   * Writes an entry that stands for no file, e.g. a whiteout.
   *
   * @param entry the entry (a directory or an empty file)
   * @param content its content, or {@code null}
   * @throws IOException when writing fails
   */
  public void put(TarEntry entry, InputStream content) throws IOException {
    tar.put(entry, content);
  }

  /**
   * Re-writes every entry of a tar under this emitter's rules: names made relative, the root entry
   * dropped, owners and mtimes as the options say.
   *
   * @param in the archive
   * @throws IOException when an entry is hostile or malformed, or reading or writing fails
   */
  public void transcode(TarInput in) throws IOException {
    for (TarEntry e; (e = in.next()) != null; ) {
      List<String> parts = EntryNames.split(e.name(), e.name(), true);
      if (parts.isEmpty()) {
        continue; // the root directory: a layer never carries it
      }
      String link = e.linkName();
      if (e.type() == TarEntry.Type.HARDLINK) {
        link = String.join("/", EntryNames.split(link, e.name(), true));
      }
      long mtime = options.clampMtime() ? Math.min(e.mtime(), options.sourceDateEpoch()) : e.mtime();
      TarEntry out = new TarEntry(String.join("/", parts), e.type(), e.mode(),
          options.rootOwned() ? 0 : e.uid(), options.rootOwned() ? 0 : e.gid(), e.size(), mtime, link,
          e.devMajor(), e.devMinor(), e.xattrs());
      tar.put(out, e.type() == TarEntry.Type.FILE ? in.content() : null);
    }
    in.drain();
  }

  /**
   * Returns the mtime an entry for these attributes gets.
   *
   * @param a the attributes
   * @return whole seconds, clamped when asked
   */
  public long mtime(FileAttrs a) {
    return options.clampMtime() ? Math.min(a.mtimeSeconds(), options.sourceDateEpoch()) : a.mtimeSeconds();
  }

  private long uid(FileAttrs a) {
    return options.rootOwned() ? 0 : a.uid() & 0xffffffffL;
  }

  private long gid(FileAttrs a) {
    return options.rootOwned() ? 0 : a.gid() & 0xffffffffL;
  }

  private static Map<String, byte[]> xattrs(Path path, boolean dropOverlay) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    for (String n : Native.listXattrs(path)) {
      // The SELinux label belongs to the host that wrote the file, not to the image.
      if (n.equals("security.selinux")
          || (dropOverlay && (n.startsWith("trusted.overlay.") || n.startsWith("user.overlay.")))) {
        continue;
      }
      byte[] v = Native.getXattr(path, n);
      if (v != null) {
        out.put(n, v);
      }
    }
    return out;
  }

  /** A file's bytes read with plain read(2) calls straight into the caller's array (no copy). */
  private static final class FileContent extends InputStream {
    private final Path path;
    private final int fd;
    private boolean closed;

    FileContent(Path path) throws IOException {
      this.path = path;
      this.fd = Native.openForReading(path);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int n = Native.read(fd, path, b, off, len);
      return n == 0 ? -1 : n;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        Native.close(fd, path);
      }
    }
  }
}
