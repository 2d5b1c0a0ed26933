package dev.kiln.oci;

/** A blob that is not in the store or registry asked about ({@link ErrorCode#BLOB_UNKNOWN}, 404). */
public final class BlobUnknownException extends OciException {
  private static final long serialVersionUID = 1L;

  private final transient Digest digest;

  /**
   * Creates the error.
   *
   * @param digest the missing blob's digest
   * @param where the store, file or repository that lacks it
   */
  public BlobUnknownException(Digest digest, String where) {
    super(ErrorCode.BLOB_UNKNOWN, ErrorCode.BLOB_UNKNOWN.status(),
        "blob " + digest + " unknown in " + where, new Detail(digest.toString()), null);
    this.digest = digest;
  }

  /** Returns the missing blob's digest. */
  public Digest digest() {
    return digest;
  }

  /** The JSON detail of the error: the digest asked for. */
  public record Detail(String digest) {}
}
