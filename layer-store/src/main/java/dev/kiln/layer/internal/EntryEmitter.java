package dev.kiln.layer.internal;

import dev.kiln.layer.LayerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
  private byte[] scanBuffer; // made on the first file with holes

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
      try (FileContent in = new FileContent(path)) {
        // Only a file with fewer blocks than its size needs is looked at for holes: the others pay
        // nothing. A file whose holes all turn out to hold data is written whole, as it would be
        // from a file system without holes.
        SparseMap map = a.mayBeSparse() ? in.findData(a.size(), scanBuffer()) : null;
        if (map != null && map.hasHoles()) {
          tar.putSparse(e, map, in.segments(map));
        } else {
          tar.put(e, in);
        }
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
      if (in.sparse() != null) {
        tar.putSparse(out, in.sparse(), in.content());
      } else {
        tar.put(out, e.type() == TarEntry.Type.FILE ? in.content() : null);
      }
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

  private byte[] scanBuffer() {
    if (scanBuffer == null) {
      scanBuffer = new byte[256 * 1024];
    }
    return scanBuffer;
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

  private static final int BLOCK = TarOutput.BLOCK;
  private static final byte[] ZEROS = new byte[BLOCK];

  /** A file's bytes read with plain read(2) calls straight into the caller's array (no copy). */
  private static final class FileContent extends InputStream {
    private final Path path;
    private final int fd;
    private boolean closed;
    /** When set, only these segments are read: see {@link #segments}. */
    private SparseMap map;
    private int segment;
    private long left;

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
      if (map != null) {
        while (left == 0) {
          if (++segment == map.segments()) {
            return -1;
          }
          left = map.length(segment);
          Native.seek(fd, path, map.offset(segment));
        }
        len = (int) Math.min(len, left);
      }
      int n = Native.read(fd, path, b, off, len);
      if (map != null && n > 0) {
        left -= n;
      }
      return n == 0 ? -1 : n;
    }

    /**
     * Finds where a file's data lies, the same way whatever the file system: only the extents
     * SEEK_DATA reports are read (holes read as zeros, so skipping them changes nothing), and within
     * them every 512-byte block (counted from the start of the file) that holds a non-zero byte is
     * data and every other is a hole. The map is so a function of the file's content alone, not of
     * how its blocks were allocated, and the layer is reproducible. A file that ends in a hole gets
     * a last empty segment at its end, as GNU tar writes it.
     *
     * @return the map, or {@code null} when the data lies in more than {@link
     *     SparseMap#MAX_SEGMENTS} pieces (the file is then written whole)
     */
    SparseMap findData(long size, byte[] buf) throws IOException {
      long[] offsets = new long[16];
      long[] lengths = new long[16];
      int count = 0;
      long segStart = -1;
      long segEnd = -1;
      long pos = 0;
      while (pos < size) {
        long data = Native.nextData(fd, path, pos);
        if (data < 0 || data >= size) {
          break;
        }
        long hole = Math.min(Native.nextHole(fd, path, data), size);
        long from = Math.max(data / BLOCK * BLOCK, pos);
        long to = Math.min((hole + BLOCK - 1) / BLOCK * BLOCK, size);
        Native.seek(fd, path, from);
        for (long at = from; at < to; ) {
          int want = (int) Math.min(buf.length, to - at);
          int got = 0;
          while (got < want) {
            int n = Native.read(fd, path, buf, got, want - got);
            if (n == 0) {
              throw new IOException(path + ": ended at " + (at + got) + " of " + size
                  + " bytes (file changed while the layer was written?)");
            }
            got += n;
          }
          for (int b = 0; b < got; b += BLOCK) {
            int len = Math.min(BLOCK, got - b);
            if (Arrays.mismatch(buf, b, b + len, ZEROS, 0, len) < 0) {
              continue; // all zeros: a hole
            }
            long blockAt = at + b;
            if (blockAt == segEnd) {
              segEnd += len;
              continue;
            }
            if (segStart >= 0) {
              if (count == SparseMap.MAX_SEGMENTS) {
                return null;
              }
              if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, count * 2);
                lengths = Arrays.copyOf(lengths, count * 2);
              }
              offsets[count] = segStart;
              lengths[count++] = segEnd - segStart;
            }
            segStart = blockAt;
            segEnd = blockAt + len;
          }
          at += got;
        }
        pos = to;
      }
      if (count + 2 > SparseMap.MAX_SEGMENTS) {
        return null;
      }
      offsets = Arrays.copyOf(offsets, count + 2);
      lengths = Arrays.copyOf(lengths, count + 2);
      if (segStart >= 0) {
        offsets[count] = segStart;
        lengths[count++] = segEnd - segStart;
      }
      if (segEnd != size) {
        offsets[count] = size;
        lengths[count++] = 0;
      }
      return SparseMap.of(path.toString(), size, offsets, lengths, count);
    }

    /**
     * Makes this stream give the bytes of a map's segments, one after the other, from here on.
     *
     * @return this stream
     */
    InputStream segments(SparseMap newMap) {
      map = newMap;
      segment = -1;
      left = 0;
      return this;
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
