package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;

/**
 * Content that can be read any number of times: each {@link #open()} returns a new stream from the
 * first byte, which the caller closes. A one-shot stream is not a Blob; ingest it into a blob store,
 * which returns its descriptor.
 */
public interface Blob {
  /** Returns the content's descriptor (media type, digest, size). */
  Descriptor descriptor();

  /**
   * Opens the content.
   *
   * @return a new stream from the first byte; the caller closes it
   * @throws BlobUnknownException when the content is gone
   * @throws IOException when it cannot be opened
   */
  InputStream open() throws IOException;
}
