package dev.kiln.oci;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest: an algorithm and its lowercase hex encoding, written {@code algorithm:encoded}.
 * Only the algorithms the image spec registers are accepted: {@code sha256} (64 hex digits) and
 * {@code sha512} (128 hex digits).
 *
 * @param algorithm {@link #SHA256} or {@link #SHA512}
 * @param encoded the lowercase hex encoding of the digest bytes
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests">image-spec
 *     v1.1.0, digests</a>
 */
public record Digest(String algorithm, String encoded) implements Comparable<Digest> {
  /** The canonical algorithm. */
  public static final String SHA256 = "sha256";

  /** The other registered algorithm. */
  public static final String SHA512 = "sha512";

  // The spec's general grammar; registered algorithms then fix the encoded length and alphabet.
  private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*");
  private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

  /**
   * Validates the parts.
   *
   * @throws OciFormatException ({@link ErrorCode#DIGEST_INVALID}) for an unknown algorithm or a wrong
   *     encoding
   */
  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(encoded, "encoded");
    String text = algorithm + ":" + encoded;
    if (!ALGORITHM.matcher(algorithm).matches()) {
      throw invalid(text, "malformed algorithm '" + algorithm + "'");
    }
    int length = hexLength(algorithm);
    if (length < 0) {
      throw invalid(text, "unsupported algorithm '" + algorithm + "' (use sha256 or sha512)");
    }
    if (encoded.length() != length) {
      throw invalid(text, algorithm + " needs " + length + " hex digits, got " + encoded.length());
    }
    if (!HEX.matcher(encoded).matches()) {
      throw invalid(text, "encoded part must be lowercase hex");
    }
  }

  /**
   * Parses {@code algorithm:encoded}.
   *
   * @param text the digest text, e.g. {@code sha256:e3b0c442…}
   * @return the digest
   * @throws OciFormatException ({@link ErrorCode#DIGEST_INVALID}) when the text is not a valid digest
   */
  public static Digest parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw invalid(text, "missing 'algorithm:' prefix");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /**
   * Returns whether {@code text} is a valid digest, without throwing.
   *
   * @param text any text
   * @return whether {@link #parse} would accept it
   */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (OciFormatException e) {
      return false;
    }
  }

  /**
   * Returns the number of hex digits an algorithm's encoding has, or -1 for an unsupported one.
   *
   * @param algorithm an algorithm name
   * @return 64, 128 or -1
   */
  static int hexLength(String algorithm) {
    return switch (algorithm) {
      case SHA256 -> 64;
      case SHA512 -> 128;
      default -> -1;
    };
  }

  /** Returns the JCA name of this digest's algorithm, e.g. {@code SHA-256}. */
  String jcaName() {
    return jcaName(algorithm);
  }

  static String jcaName(String algorithm) {
    return switch (algorithm) {
      case SHA256 -> "SHA-256";
      case SHA512 -> "SHA-512";
      default -> throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
    };
  }

  private static OciFormatException invalid(String text, String why) {
    return new OciFormatException(ErrorCode.DIGEST_INVALID, "invalid digest '" + text + "': " + why);
  }

  /** Returns {@code algorithm:encoded}. */
  @Override
  public String toString() {
    return algorithm + ":" + encoded;
  }

  /** Orders by algorithm, then encoding. */
  @Override
  public int compareTo(Digest o) {
    int c = algorithm.compareTo(o.algorithm);
    return c != 0 ? c : encoded.compareTo(o.encoded);
  }
}
