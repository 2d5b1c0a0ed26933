package dev.kiln.registry.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The one role the registry needs from a backing store: named byte objects under slash-separated
 * paths, as distribution's {@code storagedriver.StorageDriver}. Paths are relative, use {@code /},
 * and never contain {@code ..} (callers build them from validated names only, see {@link
 * StorageLayout}). Implementations are thread-safe and may be shared by several server processes.
 */
public interface StorageDriver {

  /**
   * Reads a small object whole (links, manifests, upload state).
   *
   * @param path the object
   * @param cap the most bytes accepted
   * @return its bytes, or empty when absent
   * @throws IOException when unreadable or larger than {@code cap}
   */
  Optional<byte[]> read(String path, int cap) throws IOException;

  /**
   * Writes a small object atomically: readers see the old bytes or the new ones, never a mix.
   *
   * @param path the object
   * @param bytes its new content
   * @throws IOException when it cannot be written
   */
  void write(String path, byte[] bytes) throws IOException;

  /**
   * Opens an object for streaming from an offset; the caller closes the stream.
   *
   * @param path the object
   * @param offset the first byte
   * @return the stream, or empty when absent
   * @throws IOException when unreadable
   */
  default Optional<InputStream> open(String path, long offset) throws IOException {
    return channel(path, offset).map(Channels::newInputStream);
  }

  /**
   * Opens an object as a file channel positioned at an offset, so blob downloads can go from the
   * file to the socket in the kernel ({@code sendfile}); the caller closes the channel.
   *
   * @param path the object
   * @param offset the first byte
   * @return the channel, or empty when absent
   * @throws IOException when unreadable
   */
  Optional<FileChannel> channel(String path, long offset) throws IOException;

  /**
   * Opens an object for appending, creating it when absent; the caller closes the stream. The bytes
   * reach stable storage by {@link #move} at the latest (a crash may lose an unpublished tail,
   * which the upload's size then no longer counts).
   *
   * @param path the object
   * @return the stream
   * @throws IOException when it cannot be opened
   */
  OutputStream append(String path) throws IOException;

  /**
   * Cuts an object to a length (an interrupted append leaves a tail no client acknowledged).
   *
   * @param path the object
   * @param size the length to keep
   * @throws IOException when it cannot be cut
   */
  void truncate(String path, long size) throws IOException;

  /**
   * The size and modification time of an object.
   *
   * @param path the object
   * @return its stat, or empty when absent
   * @throws IOException when it cannot be read
   */
  Optional<Stat> stat(String path) throws IOException;

  /**
   * Marks an object as used now (garbage collection spares recently touched blobs).
   *
   * @param path the object
   * @throws IOException when it cannot be touched
   */
  void touch(String path) throws IOException;

  /**
   * The names of a directory's direct children, sorted; empty when absent.
   *
   * @param path the directory
   * @return the child names
   * @throws IOException when it cannot be listed
   */
  List<String> list(String path) throws IOException;

  /**
   * Moves an object atomically, its bytes forced to stable storage first; when the target exists
   * already the source is dropped (content addressing makes the two equal).
   *
   * @param from the source
   * @param to the target
   * @throws IOException when it cannot be moved
   */
  void move(String from, String to) throws IOException;

  /**
   * Deletes an object or a directory tree; absent is fine.
   *
   * @param path the object or directory
   * @throws IOException when it cannot be deleted
   */
  void delete(String path) throws IOException;

  /**
   * Takes the storage-wide lock that garbage collection holds exclusively and manifest writes hold
   * shared, across every process using this storage.
   *
   * @param exclusive whether to exclude every other holder
   * @return the held lock; closing releases it
   * @throws IOException when it cannot be taken
   */
  Lock lock(boolean exclusive) throws IOException;

  /**
   * The total bytes of every object under a directory.
   *
   * @param path the directory
   * @return the bytes
   * @throws IOException when it cannot be walked
   */
  long usage(String path) throws IOException;

  /** The size and modification time of an object. */
  record Stat(long size, Instant modified, boolean directory) {}

  /** A held lock. */
  interface Lock extends AutoCloseable {
    @Override
    void close() throws IOException;
  }
}
