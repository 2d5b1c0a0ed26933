package dev.kiln.layer.internal;


import dev.kiln.layer.LayerRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a tar stream as the tools that make layers write it: ustar, pax (local headers; global ones
 * are read and ignored), GNU long names and link targets, base-256 numbers, and sparse files in
 * every form GNU tar writes them (pax 1.0, 0.1 and 0.0, and old GNU type 'S' entries). Headers with
 * a wrong checksum, entry bodies shorter than their header says and sparse maps that lie are
 * refused. Does not close the stream it reads. Not thread-safe.
 *
 * @see <a href="https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html">GNU tar,
 *     sparse formats</a>
 */
public final class TarInput {
  private static final int BLOCK = TarOutput.BLOCK;
  private static final int MAX_META = 1 << 20; // pax and GNU long-name bodies are small

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final byte[] skipBuffer = new byte[64 * 1024];
  private long remaining; // unread content bytes of the current entry
  private long padding; // padding bytes after it
  private String current = "";
  private boolean ended;
  /** The current entry's map when it is a sparse file, else null. */
  private SparseMap sparse;

  /**
   * Wraps a stream.
   *
   * @param in the tar bytes; not closed by this reader
   */
  public TarInput(InputStream in) {
    this.in = in;
  }

  /**
   * Returns the next entry, skipping what is left of the current one's content.
   *
   * @return the entry, or {@code null} at the end of the archive
   * @throws IOException when the archive is malformed or reading fails
   */
  public TarEntry next() throws IOException {
    if (ended) {
      return null;
    }
    skipRest();
    sparse = null;
    Map<String, byte[]> pax = Map.of(); // made only when a pax header comes: most entries have none
    String longName = null;
    String longLink = null;
    for (int guard = 0; guard < 64; guard++) {
      if (!readBlock(header, true)) {
        ended = true; // end of stream without the end blocks: tolerated, as GNU tar does
        return null;
      }
      if (isZero(header)) {
        ended = true;
        return null;
      }
      verifyChecksum();
      char type = (char) header[156];
      long size = number(124, 12);
      String name = longName != null ? longName : headerName();
      current = name;
      switch (type) {
        case 'x' -> {
          if (pax.isEmpty()) {
            pax = new HashMap<>();
          }
          pax.putAll(parsePax(readMeta(size)));
        }
        case 'g' -> readMeta(size); // global defaults: no layer tool relies on them
        case 'L' -> longName = cString(readMeta(size));
        case 'K' -> longLink = cString(readMeta(size));
        default -> {
          return entry(type, size, name, longLink, pax);
        }
      }
    }
    throw malformed(current, "more than 64 extended headers in a row");
  }

  private TarEntry entry(char flag, long size, String name, String longLink, Map<String, byte[]> pax)
      throws IOException {
    String link = longLink != null ? longLink : field(157, 100);
    long uid;
    long gid;
    long mtime;
    Map<String, byte[]> xattrs;
    if (pax.isEmpty()) {
      uid = number(108, 8);
      gid = number(116, 8);
      mtime = number(136, 12);
      xattrs = Map.of();
    } else {
      if (pax.containsKey("path")) {
        name = utf8(pax.get("path"));
      }
      if (pax.containsKey("GNU.sparse.name")) {
        name = utf8(pax.get("GNU.sparse.name")); // the real name, where path holds a stand-in
      }
      if (pax.containsKey("linkpath")) {
        link = utf8(pax.get("linkpath"));
      }
      if (pax.containsKey("size")) {
        size = decimal(name, "size", pax.get("size"));
      }
      uid = pax.containsKey("uid") ? decimal(name, "uid", pax.get("uid")) : number(108, 8);
      gid = pax.containsKey("gid") ? decimal(name, "gid", pax.get("gid")) : number(116, 8);
      mtime = pax.containsKey("mtime") ? seconds(name, pax.get("mtime")) : number(136, 12);
      xattrs = xattrs(pax);
    }
    int mode = (int) (number(100, 8) & 07777);
    TarEntry.Type type = switch (flag) {
      case '0', '\0', '7', 'S' -> TarEntry.Type.FILE;
      case '1' -> TarEntry.Type.HARDLINK;
      case '2' -> TarEntry.Type.SYMLINK;
      case '3' -> TarEntry.Type.CHAR_DEVICE;
      case '4' -> TarEntry.Type.BLOCK_DEVICE;
      case '5' -> TarEntry.Type.DIRECTORY;
      case '6' -> TarEntry.Type.FIFO;
      default -> throw malformed(name, "unsupported entry type '" + printable(flag) + "'");
    };
    if (size < 0) {
      throw malformed(name, "negative size " + size);
    }
    if (type == TarEntry.Type.FILE && flag == '\0' && name.endsWith("/")) {
      type = TarEntry.Type.DIRECTORY; // pre-POSIX archives mark directories by the slash only
    }
    long major = type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE ? number(329, 8) : 0;
    long minor = type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE ? number(337, 8) : 0;
    // Hardlinks, symlinks and others carry no content; a header that says otherwise is skipped over.
    long contentSize = type == TarEntry.Type.FILE ? size : 0;
    remaining = size;
    padding = (BLOCK - size % BLOCK) % BLOCK;
    current = name;
    if (type == TarEntry.Type.FILE && (flag == 'S' || isSparse(pax))) {
      sparse = flag == 'S' ? oldGnuSparseMap(name) : paxSparseMap(name, pax);
      if (sparse.dataSize() != remaining) {
        throw malformed(name, "sparse map declares " + sparse.dataSize()
            + " data bytes but the entry holds " + remaining);
      }
      contentSize = sparse.realSize();
    }
    return new TarEntry(
        stripName(name), type, mode, uid, gid, contentSize, mtime, link, major, minor, xattrs);
  }

  private static boolean isSparse(Map<String, byte[]> pax) {
    return pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.map")
        || pax.containsKey("GNU.sparse.size");
  }

  /**
   * Returns the current entry's sparse map, or {@code null} when it is not a sparse file. For a
   * sparse file the entry's size is its real size and {@link #read} gives only the map's segments'
   * bytes, one after the other.
   */
  public SparseMap sparse() {
    return sparse;
  }

  /** The map of a pax sparse entry: 1.0 (map at the start of the data), 0.1 and 0.0 (in records). */
  private SparseMap paxSparseMap(String name, Map<String, byte[]> pax) throws IOException {
    if (pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.minor")) {
      String version = utf8(pax.getOrDefault("GNU.sparse.major", new byte[0])).strip() + "."
          + utf8(pax.getOrDefault("GNU.sparse.minor", new byte[0])).strip();
      if (!version.equals("1.0")) {
        throw malformed(name, "sparse format " + version + " is not supported");
      }
      if (!pax.containsKey("GNU.sparse.realsize")) {
        throw malformed(name, "sparse 1.0 entry without GNU.sparse.realsize");
      }
      return sparseMap1(name, decimal(name, "GNU.sparse.realsize", pax.get("GNU.sparse.realsize")));
    }
    if (!pax.containsKey("GNU.sparse.size") || !pax.containsKey("GNU.sparse.map")) {
      throw malformed(name, "sparse 0.x entry without GNU.sparse.size and a map");
    }
    long realSize = decimal(name, "GNU.sparse.size", pax.get("GNU.sparse.size"));
    String text = utf8(pax.get("GNU.sparse.map")).strip();
    String[] fields = text.isEmpty() ? new String[0] : text.split(",", -1);
    if (fields.length % 2 != 0 || fields.length / 2 > SparseMap.MAX_SEGMENTS) {
      throw malformed(name, "sparse map of " + fields.length + " numbers (an even count up to "
          + 2 * SparseMap.MAX_SEGMENTS + " expected)");
    }
    int count = fields.length / 2;
    long[] offsets = new long[count];
    long[] lengths = new long[count];
    for (int i = 0; i < count; i++) {
      offsets[i] = decimal(name, "sparse map", ascii(fields[2 * i]));
      lengths[i] = decimal(name, "sparse map", ascii(fields[2 * i + 1]));
    }
    return SparseMap.of(name, realSize, offsets, lengths, count);
  }

  /**
   * Reads a sparse 1.0 map from the start of the entry's data: decimal numbers one a line (the
   * count, then offset and length of each segment), padded to a block. Never reads past the entry.
   */
  private SparseMap sparseMap1(String name, long realSize) throws IOException {
    byte[] block = new byte[BLOCK];
    long[] state = {0, BLOCK}; // bytes of the entry consumed by the map, position in the block
    long count = mapNumber(name, block, state);
    if (count > SparseMap.MAX_SEGMENTS) {
      throw malformed(name, "sparse map of " + count + " segments (limit " + SparseMap.MAX_SEGMENTS + ")");
    }
    long[] offsets = new long[(int) count];
    long[] lengths = new long[(int) count];
    for (int i = 0; i < count; i++) {
      offsets[i] = mapNumber(name, block, state);
      lengths[i] = mapNumber(name, block, state);
    }
    remaining -= state[0];
    return SparseMap.of(name, realSize, offsets, lengths, (int) count);
  }

  private long mapNumber(String name, byte[] block, long[] state) throws IOException {
    long v = 0;
    for (int digits = 0; ; digits++) {
      if (state[1] == BLOCK) {
        if (state[0] + BLOCK > remaining) {
          throw malformed(name, "sparse map runs past the end of the entry's data");
        }
        if (!readBlock(block, true)) {
          throw malformed(name, "archive ends inside a sparse map");
        }
        state[0] += BLOCK;
        state[1] = 0;
      }
      byte b = block[(int) state[1]++];
      if (b == '\n' && digits > 0) {
        return v;
      }
      if (b < '0' || b > '9' || digits == 18) {
        throw malformed(name, "bad number in the sparse map");
      }
      v = v * 10 + (b - '0');
    }
  }

  /**
   * The map of an old GNU sparse entry (type 'S'): four segments in the header, then extension
   * blocks of 21 each while the "is extended" byte is set; real size at offset 483.
   */
  private SparseMap oldGnuSparseMap(String name) throws IOException {
    long realSize = number(header, 483, 12);
    long[] offsets = new long[4];
    long[] lengths = new long[4];
    int count = 0;
    byte[] block = header;
    int first = 386;
    int slots = 4;
    boolean extended = header[482] != 0;
    byte[] ext = new byte[BLOCK];
    while (true) {
      for (int i = 0; i < slots && block[first + 24 * i] != 0; i++) {
        if (count == SparseMap.MAX_SEGMENTS) {
          throw malformed(name, "sparse map of more than " + SparseMap.MAX_SEGMENTS + " segments");
        }
        if (count == offsets.length) {
          offsets = java.util.Arrays.copyOf(offsets, count * 2);
          lengths = java.util.Arrays.copyOf(lengths, count * 2);
        }
        offsets[count] = number(block, first + 24 * i, 12);
        lengths[count] = number(block, first + 24 * i + 12, 12);
        count++;
      }
      if (!extended) {
        return SparseMap.of(name, realSize, offsets, lengths, count);
      }
      if (!readBlock(ext, true)) {
        throw malformed(name, "archive ends inside a sparse map");
      }
      block = ext;
      first = 0;
      slots = 21;
      extended = ext[504] != 0;
    }
  }

  /** The xattrs pax records carry, as GNU tar / Go (SCHILY) and libarchive write them. */
  private static Map<String, byte[]> xattrs(Map<String, byte[]> pax) {
    Map<String, byte[]> xattrs = new TreeMap<>();
    for (Map.Entry<String, byte[]> p : pax.entrySet()) {
      String key = p.getKey();
      if (key.startsWith("SCHILY.xattr.")) {
        xattrs.put(key.substring("SCHILY.xattr.".length()), p.getValue());
      } else if (key.startsWith("LIBARCHIVE.xattr.")) {
        String xname = java.net.URLDecoder.decode(
            key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
        xattrs.putIfAbsent(xname, Base64.getDecoder().decode(utf8(p.getValue()).strip()));
      }
    }
    return xattrs;
  }

  private static String stripName(String name) {
    String n = name;
    while (n.endsWith("/") && n.length() > 1) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }

  /**
   * Writes the rest of the current entry's content to a file. From a read-ahead stream the bytes
   * go straight from its buffer (no copy on the caller's thread); otherwise through {@code buffer}.
   *
   * @param fd the file descriptor
   * @param path the file, for messages
   * @param buffer scratch space for a stream that is not read ahead
   * @throws IOException when the archive ends early (the header's size lied) or a write fails
   */
  public void writeContentTo(int fd, Path path, byte[] buffer) throws IOException {
    while (remaining > 0) {
      int n;
      if (in instanceof ContentSource direct) {
        n = direct.writeTo(fd, path, remaining);
      } else {
        n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
        if (n > 0) {
          Native.write(fd, path, buffer, 0, n);
        }
      }
      if (n < 0) {
        throw malformed(current, "archive ends " + remaining + " bytes before the end of this entry");
      }
      remaining -= n;
    }
  }

  /**
   * Reads content of the current entry.
   *
   * @param b the buffer
   * @param off the offset
   * @param len the most bytes to read
   * @return how many were read, or -1 at the end of the entry
   * @throws IOException when the archive ends early (the header's size lied) or reading fails
   */
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw malformed(current, "archive ends " + remaining + " bytes before the end of this entry");
    }
    remaining -= n;
    return n;
  }

  /** Returns the current entry's content as a stream; closing it does nothing. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return TarInput.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return TarInput.this.read(b, off, len);
      }
    };
  }

  /**
   * Reads the stream to its end (after the end blocks), so a digest over it covers every byte.
   *
   * @throws IOException when reading fails
   */
  public void drain() throws IOException {
    skipRest();
    while (in.read(skipBuffer) >= 0) {
      // nothing: the bytes only pass through the digesting and bounding streams below
    }
  }

  private void skipRest() throws IOException {
    long left = remaining + padding;
    while (left > 0) {
      int n = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, left));
      if (n < 0) {
        throw malformed(current, "archive ends " + left + " bytes before the end of this entry");
      }
      left -= n;
    }
    remaining = 0;
    padding = 0;
  }

  private boolean readBlock(byte[] block, boolean eofOk) throws IOException {
    int got = 0;
    while (got < block.length) {
      int n = in.read(block, got, block.length - got);
      if (n < 0) {
        if (got == 0 && eofOk) {
          return false;
        }
        throw malformed(current, "archive ends inside a header");
      }
      got += n;
    }
    return true;
  }

  private byte[] readMeta(long size) throws IOException {
    if (size < 0 || size > MAX_META) {
      throw malformed(current, "extended header of " + size + " bytes (limit " + MAX_META + ")");
    }
    byte[] body = new byte[(int) size];
    int got = 0;
    while (got < body.length) {
      int n = in.read(body, got, body.length - got);
      if (n < 0) {
        throw malformed(current, "archive ends inside an extended header");
      }
      got += n;
    }
    remaining = 0;
    padding = (BLOCK - size % BLOCK) % BLOCK;
    skipRest();
    return body;
  }

  private Map<String, byte[]> parsePax(byte[] body) throws IOException {
    Map<String, byte[]> records = new HashMap<>();
    // sparse 0.0 repeats GNU.sparse.offset and GNU.sparse.numbytes, alternately: gathered in order
    // into a 0.1-style map ("offset,length,...")
    StringBuilder sparse00 = null;
    int sparse00Fields = 0;
    int pos = 0;
    while (pos < body.length) {
      int space = pos;
      while (space < body.length && body[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(body, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw malformed(current, "bad pax record length");
      }
      int end = pos + len;
      if (len <= 0 || end > body.length || body[end - 1] != '\n') {
        throw malformed(current, "bad pax record");
      }
      int eq = space + 1;
      while (eq < end && body[eq] != '=') {
        eq++;
      }
      if (eq >= end) {
        throw malformed(current, "pax record without '='");
      }
      String key = new String(body, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(body, eq + 1, end - 1);
      pos = end;
      if (key.equals("GNU.sparse.offset") || key.equals("GNU.sparse.numbytes")) {
        boolean offset = key.equals("GNU.sparse.offset");
        sparse00 = sparse00 == null ? new StringBuilder() : sparse00.append(',');
        // out of order: a field that is no number, refused once the entry's name is known
        sparse00.append(offset == (sparse00Fields++ % 2 == 0) ? utf8(value).strip() : "out-of-order");
        continue;
      }
      records.put(key, value);
    }
    if (sparse00 != null) {
      records.put("GNU.sparse.map", ascii(sparse00.toString()));
    }
    return records;
  }

  private void verifyChecksum() throws IOException {
    long stored;
    try {
      stored = number(148, 8);
    } catch (LayerRejectedException e) {
      stored = -1; // not even octal: garbage where a header should be
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : header[i];
      unsigned += b & 0xff;
      signed += (byte) b;
    }
    if (stored != unsigned && stored != signed) {
      throw malformed(headerName(), "header checksum mismatch (not a tar archive, or corrupt)");
    }
  }

  private String headerName() {
    String name = field(0, 100);
    boolean posix = header[257] == 'u' && header[262] == 0; // "ustar\0"; GNU uses "ustar  \0"
    if (posix && header[345] != 0) {
      name = field(345, 155) + "/" + name;
    }
    return name;
  }

  private long number(int offset, int length) throws IOException {
    return number(header, offset, length);
  }

  private long number(byte[] header, int offset, int length) throws IOException {
    if ((header[offset] & 0x80) != 0) { // base-256, as GNU tar and Go write big values
      long v = header[offset] & 0x7f;
      for (int i = 1; i < length; i++) {
        if ((v >>> 55) != 0) {
          throw malformed(current, "numeric field too large");
        }
        v = (v << 8) | (header[offset + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
      int d = header[i] - '0';
      if (d < 0 || d > 7) {
        throw malformed(current, "bad octal field at offset " + offset);
      }
      v = (v << 3) | d;
    }
    return v;
  }

  private String field(int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long decimal(String name, String key, byte[] value) throws IOException {
    try {
      return Long.parseLong(utf8(value).strip());
    } catch (NumberFormatException e) {
      throw malformed(name, "bad pax " + key + " '" + utf8(value) + "'");
    }
  }

  private static long seconds(String name, byte[] value) throws IOException {
    String s = utf8(value).strip();
    int dot = s.indexOf('.');
    try {
      return Long.parseLong(dot < 0 ? s : s.substring(0, dot));
    } catch (NumberFormatException e) {
      throw malformed(name, "bad pax mtime '" + s + "'");
    }
  }

  private static String cString(byte[] b) {
    int end = 0;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String printable(char c) {
    return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
  }

  private static IOException malformed(String entry, String why) {
    return new LayerRejectedException(entry, why);
  }
}
