package dev.kiln.layer;

import dev.kiln.oci.MediaTypes;

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
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    return NONE;
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
