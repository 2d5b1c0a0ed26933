package dev.kiln.oci;

/**
 * The error codes of the OCI distribution spec and CNCF Distribution, each with its default HTTP
 * status and the spec's message. This is the one table the registry server writes and the registry
 * client reads.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes">distribution-spec
 *     v1.1.0, error codes</a>
 */
public enum ErrorCode {
  /** The blob is not known to the registry. */
  BLOB_UNKNOWN(404, "blob unknown to registry"),
  /** The blob upload encountered an error and can no longer proceed. */
  BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
  /** The upload session is not known to the registry. */
  BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
  /** The provided digest did not match the uploaded content. */
  DIGEST_INVALID(400, "provided digest did not match uploaded content"),
  /** A blob referenced by the manifest is not known to the registry. */
  MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
  /** The manifest is malformed or fails validation. */
  MANIFEST_INVALID(400, "manifest invalid"),
  /** The manifest is not known to the registry. */
  MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
  /** The manifest failed signature verification (Docker schema 1 only). */
  MANIFEST_UNVERIFIED(400, "manifest failed signature verification"),
  /** The repository name is invalid. */
  NAME_INVALID(400, "invalid repository name"),
  /** The repository name is not known to the registry. */
  NAME_UNKNOWN(404, "repository name not known to registry"),
  /** An invalid pagination number was given. */
  PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
  /** The requested range or chunk offset cannot be satisfied. */
  RANGE_INVALID(416, "invalid content range"),
  /** The provided length did not match the content length. */
  SIZE_INVALID(400, "provided length did not match content length"),
  /** The tag is invalid. */
  TAG_INVALID(400, "manifest tag did not match URI"),
  /** Authentication is required. */
  UNAUTHORIZED(401, "authentication required"),
  /** The requested access to the resource is denied. */
  DENIED(403, "requested access to the resource is denied"),
  /** The operation is unsupported. */
  UNSUPPORTED(405, "the operation is unsupported"),
  /** The client is sending too many requests. */
  TOOMANYREQUESTS(429, "too many requests"),
  /** An unknown error; the catch-all of CNCF Distribution. */
  UNKNOWN(500, "unknown error"),
  /** The service is temporarily unavailable. */
  UNAVAILABLE(503, "service unavailable");

  private final int status;
  private final String message;

  ErrorCode(int status, String message) {
    this.status = status;
    this.message = message;
  }

  /** Returns the code string the spec puts in the {@code code} field of an error body. */
  public String code() {
    return name();
  }

  /** Returns the HTTP status a registry answers with unless the endpoint demands another. */
  public int status() {
    return status;
  }

  /** Returns the spec's message for this code. */
  public String message() {
    return message;
  }

  /** Returns whether a client may retry a request that failed with this code. */
  public boolean temporary() {
    return this == TOOMANYREQUESTS || this == UNAVAILABLE;
  }

  /**
   * Returns the code with the given spec code string.
   *
   * @param code a code string such as {@code BLOB_UNKNOWN}
   * @return the code, or {@link #UNKNOWN} for a code this table does not hold
   */
  public static ErrorCode from(String code) {
    for (ErrorCode c : values()) {
      if (c.name().equals(code)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
