package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * An uncompressed layer in a file, read by two threads that never wait for each other: the
 * caller's, which applies the tar (file content goes to write(2) straight from its read buffer),
 * and one of its own, which reads the file again and hashes every byte (the diffId). Through one
 * stream the two are tied by a bounded buffer, so whichever is slower at a point of the layer holds
 * the other back: making files is slower where the layer has many small ones, hashing where it has
 * large ones. Here each goes at its own pace, and the layer takes as long as the slower of the two
 * in total. Reading the bytes twice costs little: the second read finds them in the page cache.
 *
 * <p>Both read the one open file, so they see the same bytes as long as nobody rewrites it
 * meanwhile, which holds for a blob in a store (written once, then only read). The file is read,
 * not mapped into memory: page faults on a mapping cost more than the copies of read(2). A native
 * buffer of 256 KiB each, which stays in the core's cache between read(2) and its use, freed on
 * closing (not left to the GC: a pull may apply hundreds of layers); no heap that grows with the
 * layer. Closing stops the hasher; the file is the caller's to close.
 */
public final class FileTar implements Closeable {
  private static final int READ_BUFFER = 256 * 1024;
  private static final int HASH_BUFFER = 256 * 1024;

  private final Arena arena = Arena.ofShared(); // the two buffers, one per thread
  private final FileChannel file;
  private final long start;
  private final long size;
  private final Thread hasher;
  private volatile boolean stop;
  /** Written by the hasher before it ends, read after joining it. */
  private Digest digest;
  private Throwable failure;
  private boolean closed;

  /**
   * Starts hashing a layer that takes up a file from a position to its end.
   *
   * @param file the file, open for reading; read at explicit positions only, not closed here
   * @param start where the layer starts
   * @param size how many bytes the layer has
   */
  public FileTar(FileChannel file, long start, long size) {
    this.file = file;
    this.start = start;
    this.size = size;
    hasher = new Thread(this::hash, "kiln-diffid");
    hasher.setDaemon(true);
    hasher.start();
  }

  private void hash() {
    try {
      Native.lowerThisThreadsPriority(10); // the applying thread bounds the whole: it goes first
      Digester d = Digester.sha256();
      ByteBuffer buffer = arena.allocate(HASH_BUFFER).asByteBuffer();
      for (long pos = 0; pos < size && !stop; ) {
        buffer.clear().limit((int) Math.min(HASH_BUFFER, size - pos));
        pos += readFully(buffer, pos);
        d.update(buffer.flip());
      }
      digest = d.digest();
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
    }
  }

  /**
   * Fills a buffer from a position in the layer; fails when the file ends first (it was
   * truncated).
   */
  private int readFully(ByteBuffer buffer, long pos) throws IOException {
    int n = 0;
    while (buffer.hasRemaining()) {
      int r = file.read(buffer, start + pos + n);
      if (r < 0) {
        throw new EOFException("the layer file ended at byte " + (pos + n) + " of " + size);
      }
      n += r;
    }
    return n;
  }

  /** Returns the tar bytes for the caller's thread; closing the stream does nothing. */
  public InputStream tar() {
    return new Reader();
  }

  /**
   * Waits for the hashing thread and returns the digest of every byte of the layer.
   *
   * @return the diffId
   * @throws IOException when hashing failed or was interrupted
   */
  public Digest diffId() throws IOException {
    try {
      hasher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing the layer");
    }
    if (failure instanceof IOException io) {
      throw new IOException(io.getMessage(), io);
    }
    if (failure != null || digest == null) {
      throw new IllegalStateException("hashing the layer failed", failure);
    }
    return digest;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop = true;
    boolean interrupted = false;
    while (hasher.isAlive()) {
      try {
        hasher.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    arena.close(); // the hasher has stopped: nothing reads the buffers any more
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The caller's view: the file through a native buffer that content is written from. */
  private final class Reader extends InputStream implements ContentSource {
    private final MemorySegment segment = arena.allocate(READ_BUFFER);
    private final ByteBuffer buffer = segment.asByteBuffer().limit(0);
    /** The file position of the buffer's end. */
    private long filled;

    /** Makes the buffer hold unread bytes; false at the end of the layer. */
    private boolean fill() throws IOException {
      if (buffer.hasRemaining()) {
        return true;
      }
      if (filled == size) {
        return false;
      }
      buffer.clear().limit((int) Math.min(READ_BUFFER, size - filled));
      filled += readFully(buffer, filled);
      buffer.flip();
      return true;
    }

    @Override
    public int read() throws IOException {
      return fill() ? buffer.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, buffer.remaining());
      buffer.get(b, off, n);
      return n;
    }

    @Override
    public int writeTo(int fd, Path path, long max) throws IOException {
      if (!fill()) {
        return -1;
      }
      int n = (int) Math.min(max, buffer.remaining());
      Native.write(fd, path, segment.asSlice(buffer.position(), n));
      buffer.position(buffer.position() + n);
      return n;
    }
  }
}
