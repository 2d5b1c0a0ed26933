package dev.kiln.oci;

import dev.kiln.oci.internal.ModelJson;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A manifest's exact bytes, its media type and the digest of those bytes: the canonical form. The
 * digest is always taken over these bytes; the parsed {@link Manifest} is only a view.
 *
 * @param mediaType the manifest's media type
 * @param bytes the exact bytes (copied in and out)
 * @param digest the digest of {@code bytes}
 */
public record RawManifest(String mediaType, byte[] bytes, Digest digest) {
  /** The largest manifest kiln reads: 4 MiB, the minimum the distribution spec asks registries to accept. */
  public static final int MAX_BYTES = 4 * 1024 * 1024;

  /**
   * Checks that the digest is the bytes' digest, and copies.
   *
   * @throws IllegalArgumentException when it is not (use {@link #verified} for untrusted input)
   */
  public RawManifest {
    Objects.requireNonNull(mediaType, "mediaType");
    bytes = bytes.clone();
    Digest actual = Digests.of(digest.algorithm(), bytes);
    if (!actual.equals(digest)) {
      throw new IllegalArgumentException("manifest digest " + digest + " is not its bytes' " + actual);
    }
  }

  /**
   * Wraps bytes, computing their sha256 digest.
   *
   * @param mediaType the media type
   * @param bytes the manifest bytes
   * @return the raw manifest
   */
  public static RawManifest of(String mediaType, byte[] bytes) {
    return new RawManifest(mediaType, bytes, Digests.sha256(bytes));
  }

  /**
   * Wraps received bytes whose digest is known, after checking it and the size cap.
   *
   * @param mediaType the media type as received (e.g. the Content-Type)
   * @param bytes the manifest bytes
   * @param expected the digest they must have
   * @param what names the manifest in error messages
   * @return the raw manifest
   * @throws DigestMismatchException when the bytes have another digest
   * @throws SizeMismatchException when the bytes exceed {@link #MAX_BYTES}
   */
  public static RawManifest verified(String mediaType, byte[] bytes, Digest expected, String what)
      throws OciException {
    if (bytes.length > MAX_BYTES) {
      throw new SizeMismatchException(what + " (manifest cap)", MAX_BYTES, bytes.length, true);
    }
    Digest actual = Digests.of(expected.algorithm(), bytes);
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(what, expected, actual);
    }
    return new RawManifest(mediaType, bytes, actual);
  }

  /**
   * Wraps received bytes, determining the media type from the document and the Content-Type and
   * rejecting ambiguous documents: a {@code mediaType} field that contradicts a manifest
   * Content-Type (CVE-2021-41190), or {@code manifests} beside {@code config}/{@code layers}.
   *
   * @param bytes the manifest bytes
   * @param contentType the Content-Type received, or "" when none (generic types such as
   *     {@code application/json} count as none)
   * @param what names the manifest in error messages
   * @return the raw manifest, with the effective media type
   * @throws ManifestInvalidException when malformed, ambiguous, oversized or of an unsupported type
   */
  public static RawManifest from(byte[] bytes, String contentType, String what)
      throws ManifestInvalidException {
    if (bytes.length > MAX_BYTES) {
      throw new ManifestInvalidException(
          what + ": " + bytes.length + " bytes is over the " + MAX_BYTES + "-byte manifest cap");
    }
    String mediaType = ModelJson.effectiveMediaType(bytes, contentType, what);
    return of(mediaType, bytes);
  }

  /** Returns a copy of the bytes. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Returns the size of the bytes. */
  public long size() {
    return bytes.length;
  }

  /** Returns a descriptor of this manifest. */
  public Descriptor descriptor() {
    return Descriptor.of(mediaType, digest, bytes.length);
  }

  /**
   * Parses the bytes into the view for this media type.
   *
   * @return an {@link ImageManifest} or {@link IndexManifest}
   * @throws ManifestInvalidException when the document is malformed or ambiguous
   */
  public Manifest manifest() throws ManifestInvalidException {
    return ModelJson.readManifest(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawManifest r && mediaType.equals(r.mediaType) && digest.equals(r.digest)
        && Arrays.equals(bytes, r.bytes);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return "RawManifest[" + mediaType + ", " + digest + ", " + bytes.length + " bytes: "
        + new String(bytes, 0, Math.min(bytes.length, 80), StandardCharsets.UTF_8) + "]";
  }
}
