package dev.kiln.store.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Detects gzip and zstd by their magic bytes and decompresses; anything else passes through. */
public final class Compression {
  private Compression() {}

  /** What a stream starts with. */
  public enum Kind {
    /** No known compression magic. */
    NONE,
    /** {@code 1f 8b}. */
    GZIP,
    /** {@code 28 b5 2f fd}. */
    ZSTD
  }

  /**
   * Peeks at a stream's first bytes without consuming them.
   *
   * @param in a stream that supports mark/reset
   * @return the compression found
   * @throws IOException when reading fails
   */
  public static Kind detect(InputStream in) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    return detect(magic, magic.length);
  }

  /**
   * Recognises a compression by its first bytes: {@code 1f 8b} is gzip, {@code 28 b5 2f fd} zstd,
   * anything else is taken as uncompressed.
   *
   * @param head the first bytes
   * @param length how many of them are valid
   * @return the compression found
   */
  public static Kind detect(byte[] head, int length) {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Kind.GZIP;
    }
    if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
      return Kind.ZSTD;
    }
    return Kind.NONE;
  }

  /**
   * Wraps a stream so it reads decompressed bytes, whatever the compression.
   *
   * @param in the possibly compressed stream; closed with the result
   * @return the decompressed stream
   * @throws IOException when the compressed header is corrupt
   */
  public static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    return switch (detect(buffered)) {
      case GZIP -> new GZIPInputStream(buffered, 64 * 1024);
      case ZSTD -> ZstdStreams.input(buffered);
      case NONE -> buffered;
    };
  }
}
