package dev.kiln.layer.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a POSIX (pax) tar stream byte for byte reproducibly: ustar headers, and a pax extended
 * header only when a field does not fit (long names and link targets, sizes ≥ 8 GiB, large ids,
 * times before 1970) or the entry has xattrs ({@code SCHILY.xattr.NAME}, raw bytes as GNU tar and
 * Go's archive/tar write them). Files with holes go as GNU sparse 1.0 ({@link #putSparse}). The pax
 * header's own name is fixed, never a pid. No padding to a record size after the two end blocks. Does not close the stream it writes to. Not thread-safe.
 *
 * @see <a href="https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html">POSIX pax
 *     interchange format</a>
 */
public final class TarOutput {
  static final int BLOCK = 512;
  private static final long MAX_OCTAL_11 = 077777777777L;
  private static final long MAX_OCTAL_7 = 07777777L;

  private final OutputStream out;
  private final byte[] header = new byte[BLOCK];
  /** Output is gathered here and handed on in large writes; file content is read straight in. */
  private final byte[] buffer = new byte[512 * 1024];
  private int fill;
  private boolean finished;

  /**
   * Wraps a stream.
   *
   * @param out where the tar bytes go; not closed by this writer
   */
  public TarOutput(OutputStream out) {
    this.out = out;
  }

  /**
   * Writes one entry and, for a regular file, exactly {@code entry.size()} bytes of content.
   *
   * @param entry the header
   * @param content the file's content (read to exactly the size), or {@code null} for other types
   * @throws IOException when writing fails or the content is shorter than the header says
   */
  public void put(TarEntry entry, InputStream content) throws IOException {
    String name = entry.type() == TarEntry.Type.DIRECTORY && !entry.name().endsWith("/")
        ? entry.name() + "/"
        : entry.name();
    writeHeaders(entry, name, entry.size(), new TreeMap<>());
    if (entry.type() == TarEntry.Type.FILE) {
      copy(name, content, entry.size());
    }
  }

  /**
   * Writes a regular file with holes in the PAX format GNU tar calls sparse 1.0 ({@code tar --sparse
   * --posix}): pax records {@code GNU.sparse.major=1}, {@code GNU.sparse.minor=0}, {@code
   * GNU.sparse.name} (the real name) and {@code GNU.sparse.realsize}; a ustar name of {@code
   * DIR/GNUSparseFile.0/BASE} (fixed, where GNU tar puts its pid) that a reader without sparse support
   * extracts the stored bytes to; and as the entry's content the map (decimal numbers, one a line:
   * the count, then each segment's offset and length), padded to a block, then the segments' bytes.
   *
   * @param entry the header; its size is the file's real size
   * @param map where the data lies; its real size must be the entry's size
   * @param data exactly the segments' bytes, one after the other
   * @throws IOException when writing fails or the data is shorter than the map says
   * @see <a href="https://www.gnu.org/software/tar/manual/html_node/PAX-1.html">GNU tar, PAX format,
   *     versions 1.0</a>
   */
  public void putSparse(TarEntry entry, SparseMap map, InputStream data) throws IOException {
    if (entry.type() != TarEntry.Type.FILE || map.realSize() != entry.size()) {
      throw new IllegalArgumentException("tar entry " + entry.name() + ": sparse map of "
          + map.realSize() + " bytes for a " + entry.type() + " of " + entry.size());
    }
    StringBuilder text = new StringBuilder().append(map.segments()).append('\n');
    for (int i = 0; i < map.segments(); i++) {
      text.append(map.offset(i)).append('\n').append(map.length(i)).append('\n');
    }
    byte[] mapBytes = ascii(text.toString());
    long mapBlocks = (mapBytes.length + BLOCK - 1) / BLOCK * BLOCK;
    int slash = entry.name().lastIndexOf('/');
    String wireName = entry.name().substring(0, slash + 1) + "GNUSparseFile.0/"
        + entry.name().substring(slash + 1);
    Map<String, byte[]> pax = new TreeMap<>();
    pax.put("GNU.sparse.major", ascii("1"));
    pax.put("GNU.sparse.minor", ascii("0"));
    pax.put("GNU.sparse.name", entry.name().getBytes(StandardCharsets.UTF_8));
    pax.put("GNU.sparse.realsize", ascii(Long.toString(map.realSize())));
    long stored = mapBlocks + map.dataSize();
    writeHeaders(entry, wireName, stored, pax);
    emit(mapBytes, 0, mapBytes.length);
    pad(mapBytes.length);
    copy(entry.name(), data, map.dataSize());
  }

  /**
   * Writes the pax header (when a field does not fit, or {@code pax} already holds records) and the
   * ustar header of an entry stored under {@code name} with {@code size} content bytes.
   */
  private void writeHeaders(TarEntry entry, String name, long size, Map<String, byte[]> pax)
      throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = entry.linkName().getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100) {
      pax.put("path", nameBytes);
    }
    if (linkBytes.length > 100) {
      pax.put("linkpath", linkBytes);
    }
    if (size > MAX_OCTAL_11) {
      pax.put("size", ascii(Long.toString(size)));
    }
    if (entry.uid() > MAX_OCTAL_7) {
      pax.put("uid", ascii(Long.toString(entry.uid())));
    }
    if (entry.gid() > MAX_OCTAL_7) {
      pax.put("gid", ascii(Long.toString(entry.gid())));
    }
    if (entry.mtime() < 0 || entry.mtime() > MAX_OCTAL_11) {
      pax.put("mtime", ascii(Long.toString(entry.mtime())));
    }
    if (entry.devMajor() > MAX_OCTAL_7 || entry.devMinor() > MAX_OCTAL_7) {
      throw new IOException("tar entry " + name + ": device number too large for a tar header");
    }
    for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
      pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    if (!pax.isEmpty()) {
      writePax(name, pax);
    }
    writeHeader(
        nameBytes,
        entry.type().flag(),
        entry.mode(),
        entry.uid(),
        entry.gid(),
        size,
        entry.mtime(),
        linkBytes,
        entry.devMajor(),
        entry.devMinor());
  }

  private void copy(String name, InputStream content, long size) throws IOException {
    long left = size;
    while (left > 0) {
      if (fill == buffer.length) {
        drain();
      }
      int n = content.read(buffer, fill, (int) Math.min(buffer.length - fill, left));
      if (n < 0) {
        throw new IOException(
            "tar entry " + name + ": content ended after " + (size - left) + " of " + size
                + " bytes (file changed while the layer was written?)");
      }
      fill += n;
      left -= n;
    }
    pad(size);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      Arrays.fill(header, (byte) 0);
      emit(header, 0, BLOCK - rest);
    }
  }

  private void writePax(String name, Map<String, byte[]> records) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int rest = 1 + key.length + 1 + r.getValue().length + 1; // " key=value\n"
      int len = rest + Integer.toString(rest).length();
      if (Integer.toString(len).length() != Integer.toString(rest).length()) {
        len++; // the length's own digits crossed a power of ten
      }
      body.write(ascii(len + " "));
      body.write(key);
      body.write('=');
      body.write(r.getValue());
      body.write('\n');
    }
    String base = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    base = base.substring(base.lastIndexOf('/') + 1);
    byte[] paxName = ascii("PaxHeaders.0/" + asciiOnly(base));
    if (paxName.length > 100) {
      paxName = Arrays.copyOf(paxName, 100);
    }
    writeHeader(paxName, 'x', 0644, 0, 0, body.size(), 0, new byte[0], 0, 0);
    byte[] bytes = body.toByteArray();
    emit(bytes, 0, bytes.length);
    pad(bytes.length);
  }

  private static String asciiOnly(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    return b.toString();
  }

  private void writeHeader(
      byte[] name,
      char type,
      int mode,
      long uid,
      long gid,
      long size,
      long mtime,
      byte[] link,
      long major,
      long minor)
      throws IOException {
    Arrays.fill(header, (byte) 0);
    System.arraycopy(name, 0, header, 0, Math.min(name.length, 100));
    octal(mode & 07777, 100, 8);
    octal(Math.min(uid, MAX_OCTAL_7), 108, 8);
    octal(Math.min(gid, MAX_OCTAL_7), 116, 8);
    octal(size > MAX_OCTAL_11 ? 0 : size, 124, 12);
    octal(mtime < 0 || mtime > MAX_OCTAL_11 ? 0 : mtime, 136, 12);
    header[156] = (byte) type;
    System.arraycopy(link, 0, header, 157, Math.min(link.length, 100));
    System.arraycopy(ascii("ustar\0" + "00"), 0, header, 257, 8);
    if (type == '3' || type == '4') {
      octal(major, 329, 8);
      octal(minor, 337, 8);
    }
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    octal(sum, 148, 7); // six digits and a NUL, then the space already there
    emit(header, 0, BLOCK);
  }

  private void emit(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (fill == buffer.length) {
        drain();
      }
      int n = Math.min(len, buffer.length - fill);
      System.arraycopy(b, off, buffer, fill, n);
      fill += n;
      off += n;
      len -= n;
    }
  }

  private void drain() throws IOException {
    if (fill > 0) {
      out.write(buffer, 0, fill);
      fill = 0;
    }
  }

  private void octal(long value, int offset, int length) {
    String s = Long.toOctalString(value);
    int digits = length - 1;
    if (s.length() > digits) {
      throw new IllegalArgumentException("value " + value + " does not fit " + digits + " octal digits");
    }
    for (int i = 0; i < digits - s.length(); i++) {
      header[offset + i] = '0';
    }
    for (int i = 0; i < s.length(); i++) {
      header[offset + digits - s.length() + i] = (byte) s.charAt(i);
    }
    header[offset + digits] = 0;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes the two zero blocks that end the archive, hands on what is buffered and flushes. Does
   * not close the stream.
   *
   * @throws IOException when writing fails
   */
  public void finish() throws IOException {
    if (!finished) {
      finished = true;
      Arrays.fill(header, (byte) 0);
      emit(header, 0, BLOCK);
      emit(header, 0, BLOCK);
      drain();
      out.flush();
    }
  }
}
