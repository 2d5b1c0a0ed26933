package dev.kiln.store;

import dev.kiln.oci.Blob;
import dev.kiln.oci.BlobUnknownException;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed blob storage: blobs are written once under their digest, read many times and
 * deleted only by garbage collection. Implementations are thread-safe and never hold a whole blob
 * in memory.
 */
public interface BlobStore {
  /**
   * Opens a writer for a new blob, digested with sha256.
   *
   * @return the writer; the caller commits or closes it
   * @throws IOException when the store cannot be written
   */
  default BlobWriter openWriter() throws IOException {
    return openWriter(Digest.SHA256);
  }

  /**
   * Opens a writer for a new blob.
   *
   * @param algorithm the digest algorithm
   * @return the writer; the caller commits or closes it
   * @throws IOException when the store cannot be written
   */
  BlobWriter openWriter(String algorithm) throws IOException;

  /**
   * Stores a stream's content, reading it to its end. Does not close the stream.
   *
   * @param in the content
   * @param mediaType the media type for the returned descriptor
   * @return the descriptor of the stored blob
   * @throws IOException when reading or storing fails
   */
  default Descriptor put(InputStream in, String mediaType) throws IOException {
    try (BlobWriter w = openWriter()) {
      in.transferTo(w);
      return w.commit(mediaType);
    }
  }

  /**
   * Stores a stream's content if it has the expected digest and size; a blob already present with
   * that digest and size is not written again (the stream may then be left unread). Does not close
   * the stream.
   *
   * @param in the content
   * @param expected the descriptor it must match
   * @return the expected descriptor
   * @throws OciException {@link dev.kiln.oci.DigestMismatchException} or {@link
   *     dev.kiln.oci.SizeMismatchException}; nothing is stored then
   * @throws IOException when reading or storing fails
   */
  default Descriptor put(InputStream in, Descriptor expected) throws IOException {
    if (size(expected.digest()).filter(s -> s == expected.size()).isPresent()) {
      return expected;
    }
    try (BlobWriter w = openWriter(expected.digest().algorithm())) {
      in.transferTo(w);
      return w.commit(expected);
    }
  }

  /**
   * Returns a blob's size, if the store has it.
   *
   * @param digest the digest
   * @return its size in bytes, or empty
   * @throws IOException when the store cannot be read
   */
  Optional<Long> size(Digest digest) throws IOException;

  /**
   * Returns whether the store has a blob.
   *
   * @param digest the digest
   * @return whether it is present
   * @throws IOException when the store cannot be read
   */
  default boolean exists(Digest digest) throws IOException {
    return size(digest).isPresent();
  }

  /**
   * Opens a blob.
   *
   * @param digest the digest
   * @return a new stream; the caller closes it
   * @throws BlobUnknownException when the store lacks it
   * @throws IOException when it cannot be read
   */
  InputStream open(Digest digest) throws IOException;

  /**
   * Reads a small blob (a manifest or config) whole, refusing one over a cap.
   *
   * @param digest the digest
   * @param maxBytes the cap
   * @return the bytes
   * @throws BlobUnknownException when the store lacks it
   * @throws OciException ({@link dev.kiln.oci.ErrorCode#SIZE_INVALID}) when it is over the cap
   * @throws IOException when it cannot be read
   */
  default byte[] readAll(Digest digest, int maxBytes) throws IOException {
    try (InputStream in = open(digest)) {
      byte[] bytes = in.readNBytes(maxBytes);
      if (in.read() >= 0) {
        throw new OciException(ErrorCode.SIZE_INVALID,
            "blob " + digest + " is over the " + maxBytes + "-byte cap for documents read whole");
      }
      return bytes;
    }
  }

  /**
   * Returns a reopenable view of a blob in this store.
   *
   * @param descriptor the blob's descriptor
   * @return the blob; opening it fails with {@link BlobUnknownException} if it is gone
   */
  default Blob blob(Descriptor descriptor) {
    BlobStore store = this;
    return new Blob() {
      @Override
      public Descriptor descriptor() {
        return descriptor;
      }

      @Override
      public InputStream open() throws IOException {
        return store.open(descriptor.digest());
      }
    };
  }

  /**
   * Deletes a blob; garbage collection's job. Deleting a missing blob is not an error.
   *
   * @param digest the digest
   * @return whether a blob was deleted
   * @throws IOException when it cannot be deleted
   */
  boolean delete(Digest digest) throws IOException;

  /**
   * Lists every blob's digest.
   *
   * @return the digests, sorted
   * @throws IOException when the store cannot be read
   */
  List<Digest> digests() throws IOException;
}
