package dev.kiln.remote;

import dev.kiln.oci.Descriptor;

/**
 * Hears about blob transfers of a push or pull, for progress output. Called from several threads
 * at once (one per blob in flight); implementations must be thread-safe and quick.
 */
public interface TransferListener {
  /** What became of a blob. */
  enum Outcome {
    /** Downloaded and verified into the store. */
    FETCHED,
    /** Already in the local store: not downloaded. */
    PRESENT,
    /** Uploaded to the registry. */
    PUSHED,
    /** Already in the destination repository: not uploaded. */
    EXISTS,
    /** Mounted from another repository of the same registry: no bytes sent. */
    MOUNTED
  }

  /** A listener that ignores everything. */
  TransferListener NONE = new TransferListener() {};

  /**
   * A blob transfer starts.
   *
   * @param blob the blob
   */
  default void started(Descriptor blob) {}

  /**
   * Bytes moved.
   *
   * @param blob the blob
   * @param done bytes transferred so far (may go back after a failed attempt restarts)
   */
  default void progress(Descriptor blob, long done) {}

  /**
   * A blob is done.
   *
   * @param blob the blob
   * @param outcome what happened
   */
  default void finished(Descriptor blob, Outcome outcome) {}
}
