package dev.kiln.oci;

/** A manifest, tag or image that is not known ({@link ErrorCode#MANIFEST_UNKNOWN}, 404). */
public final class ManifestUnknownException extends OciException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param reference the tag, digest or reference asked for, as the user wrote it
   * @param where the store or repository searched
   */
  public ManifestUnknownException(String reference, String where) {
    super(ErrorCode.MANIFEST_UNKNOWN, ErrorCode.MANIFEST_UNKNOWN.status(),
        "manifest " + reference + " unknown in " + where, new Detail(reference), null);
  }

  /** The JSON detail of the error: the reference asked for. */
  public record Detail(String reference) {}
}
