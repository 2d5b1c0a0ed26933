package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;

/** A layer: a blob holding a (possibly compressed) tar, plus the digest of the uncompressed tar. */
public interface Layer extends Blob {
  /** Returns the digest of the uncompressed tar, as listed in the config's {@code rootfs.diff_ids}. */
  Digest diffId();

  /**
   * Opens the uncompressed tar.
   *
   * @return a new stream; the caller closes it
   * @throws IOException when it cannot be opened or decompressed
   */
  InputStream openUncompressed() throws IOException;
}
