package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream ahead on a thread of its own and digests it there, so that reading (a
 * decompressor's work, or the read system calls of a plain layer) and hashing overlap with what the
 * caller does with the bytes (for the applier: creating and writing files, the critical path).
 * Chunks of 256 KiB, at most 8 in flight, so memory stays bounded and a slow caller stops the
 * reader. A failure met ahead (a malformed stream, a decompression bomb) is thrown to the caller
 * where the bytes end, as the same exception. Closing stops the reader, waits for it (it may be
 * inside the stream's decompressor, which closing frees) and closes the stream. One consumer
 * thread.
 */
final class ReadAheadInputStream extends InputStream implements ContentSource {
  private static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 8;

  /** Bytes read ahead, or how the stream ended: {@code failure} set, or neither (the end). */
  private record Chunk(byte[] bytes, int length, Throwable failure) {}

  private static final Chunk END = new Chunk(null, 0, null);

  private final InputStream in;
  /** Made by the reader thread (see run); read by the consumer only after the end came. */
  private Digester digester;
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS + 1);
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
  private final Thread thread;
  private volatile boolean stop;
  private Chunk current;
  private int pos;
  private boolean ended;
  private boolean closed;

  /**
   * Starts reading ahead.
   *
   * @param in the stream; read only by the reader thread from now on, closed by {@link #close}
   */
  ReadAheadInputStream(InputStream in) {
    this.in = in;
    for (int i = 0; i < CHUNKS; i++) {
      free.add(new byte[CHUNK]);
    }
    thread = new Thread(this::run, "kiln-read-ahead");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        byte[] b = null;
        while (b == null) {
          if (stop) {
            return;
          }
          b = free.poll(100, TimeUnit.MILLISECONDS);
        }
        int n = 0;
        for (int r; n < CHUNK && (r = in.read(b, n, CHUNK - n)) >= 0; ) {
          n += r;
        }
        // handed before it is hashed (the caller only reads it, and it is read into again only
        // after this thread took it back), so the caller starts on it meanwhile
        if (n > 0) {
          hand(new Chunk(b, n, null));
        }
        if (digester == null) {
          // made here and only now: the first digester of a process sets up the JDK's providers
          // (~20 ms), which then overlaps with the caller's start on the first chunk
          digester = Digester.sha256();
        }
        digester.update(b, 0, n);
        if (n < CHUNK) {
          hand(END);
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException | Error e) {
      try {
        hand(new Chunk(null, 0, e));
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Hands a chunk to the consumer, giving up when the stream is closed. */
  private void hand(Chunk c) throws InterruptedException {
    while (!full.offer(c, 100, TimeUnit.MILLISECONDS)) {
      if (stop) {
        return;
      }
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length() - pos);
    System.arraycopy(current.bytes(), pos, b, off, n);
    pos += n;
    return n;
  }

  /** Writes straight from the read-ahead buffer. */
  @Override
  public int writeTo(int fd, Path path, long max) throws IOException {
    if (!fill()) {
      return -1;
    }
    int n = (int) Math.min(max, current.length() - pos);
    Native.write(fd, path, current.bytes(), pos, n);
    pos += n;
    return n;
  }

  /** Makes {@link #current} hold unread bytes; false at the end of the stream. */
  private boolean fill() throws IOException {
    while (current == null || pos == current.length()) {
      if (current != null) {
        free.add(current.bytes()); // never more than CHUNKS exist: there is room
        current = null;
      }
      if (ended) {
        return false;
      }
      Chunk c;
      try {
        c = full.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading ahead");
      }
      if (c.bytes() == null) {
        ended = true;
        if (c.failure() != null) {
          throw rethrow(c.failure());
        }
        return false;
      }
      current = c;
      pos = 0;
    }
    return true;
  }

  private static IOException rethrow(Throwable t) {
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    throw (Error) t;
  }

  /**
   * Returns the digest of every byte read from the stream; call once, after this stream returned
   * -1.
   */
  Digest digest() {
    if (!ended) {
      throw new IllegalStateException("digest asked before the end of the stream");
    }
    return digester.digest();
  }

  /** Returns how many bytes were read from the stream (all of them, once it has ended). */
  long count() {
    return digester.count();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    stop = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping the read-ahead");
    } finally {
      if (!thread.isAlive()) {
        in.close();
      }
    }
  }
}
