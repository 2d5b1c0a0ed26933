package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.OciException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A stream into a blob store that hashes as it goes. Nothing is visible in the store until
 * {@link #commit}; closing without committing discards everything written. Not thread-safe.
 */
public abstract class BlobWriter extends OutputStream {
  /** For subclasses. */
  protected BlobWriter() {}

  /** Returns the number of bytes written so far. */
  public abstract long count();

  /**
   * Publishes the bytes written as a blob, whatever their digest.
   *
   * @param mediaType the media type for the returned descriptor
   * @return the blob's descriptor
   * @throws IOException when the blob cannot be stored
   */
  public abstract Descriptor commit(String mediaType) throws IOException;

  /**
   * Publishes the bytes written only if they have the expected digest and size.
   *
   * @param expected the descriptor the bytes must match (size -1 skips the size check)
   * @return the expected descriptor
   * @throws OciException {@link dev.kiln.oci.DigestMismatchException} or {@link
   *     dev.kiln.oci.SizeMismatchException}; nothing is stored then
   * @throws IOException when the blob cannot be stored
   */
  public abstract Descriptor commit(Descriptor expected) throws IOException;
}
