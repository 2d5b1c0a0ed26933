package dev.kiln.layer;

import dev.kiln.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;

/**
 * How a layer blob is compressed. Readers never trust the media type alone: {@link #detect} looks at
 * the magic bytes.
 */
public enum Compression {
  /** A plain tar. */
  NONE(MediaTypes.OCI_LAYER_TAR, 0),
  /** gzip (RFC 1952), written block-parallel on every core as one ordinary gzip member. */
  GZIP(MediaTypes.OCI_LAYER_GZIP, 6),
  /** zstd (RFC 8878), written by zstd-jni with worker threads. */
  ZSTD(MediaTypes.OCI_LAYER_ZSTD, 3);

  private final String mediaType;
  private final int defaultLevel;

  Compression(String mediaType, int defaultLevel) {
    this.mediaType = mediaType;
    this.defaultLevel = defaultLevel;
  }

  /** Returns the OCI layer media type for this compression. */
  public String mediaType() {
    return mediaType;
  }

  /** Returns the level used when none is given: gzip 6 (as gzip and pigz), zstd 3 (as zstd). */
  public int defaultLevel() {
    return defaultLevel;
  }

  /**
   * Recognises a compression by its first bytes: {@code 1f 8b} is gzip, {@code 28 b5 2f fd} zstd,
   * anything else is taken as a plain tar.
   *
   * @param head the first bytes of the blob
   * @param length how many of them are valid
   * @return the compression
   */
  public static Compression detect(byte[] head, int length) {
    return switch (dev.kiln.store.internal.Compression.detect(head, length)) {
      case GZIP -> GZIP;
      case ZSTD -> ZSTD;
      case NONE -> NONE;
    };
  }

  /**
   * Opens a blob's uncompressed bytes, whatever its compression ({@link #detect} on its first
   * bytes).
   *
   * @param blob the blob; closed with the result
   * @return the uncompressed bytes
   * @throws IOException when the blob cannot be read or its compressed header is corrupt
   */
  public static InputStream decompress(InputStream blob) throws IOException {
    return dev.kiln.store.internal.Compression.decompress(blob);
  }

  /**
   * Parses a name as the command line spells it.
   *
   * @param name {@code gzip}, {@code zstd} or {@code none}
   * @return the compression
   * @throws IllegalArgumentException for another name
   */
  public static Compression parse(String name) {
    return switch (name) {
      case "gzip" -> GZIP;
      case "zstd" -> ZSTD;
      case "none", "tar" -> NONE;
      default -> throw new IllegalArgumentException(
          "unknown compression '" + name + "' (use gzip, zstd or none)");
    };
  }
}
