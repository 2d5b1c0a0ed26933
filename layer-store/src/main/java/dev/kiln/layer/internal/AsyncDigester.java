package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sha256 digester that hashes on its own thread and then passes the bytes on, from that thread,
 * to the next stage of a pipeline (a compressor, the blob's sink), so hashing and that stage's
 * work overlap with what the producer does instead of adding to it. Bytes are copied into a
 * bounded queue of 256 KiB chunks (at most 8 in flight, 2 MiB), so memory stays bounded and a slow
 * stage slows the producer rather than buffering. Used by one producer thread; {@link #digest()}
 * waits until the thread has hashed and passed on every byte, so the next stage may be used (and
 * closed) by the producer after it.
 */
public final class AsyncDigester implements AutoCloseable {
  private static final int CHUNK = 256 * 1024;
  private static final byte[] END = new byte[0];
  /** Asks the thread to flush the next stage (a compressor's flush may end a block). */
  private static final byte[] FLUSH = new byte[0];

  private static final int CHUNKS = 8;

  private final BlockingQueue<byte[]> full = new ArrayBlockingQueue<>(2 * CHUNKS + 1);
  /** Chunks the thread is done with; at most {@link #CHUNKS} are ever made, then they circulate. */
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
  private int made = 1;
  /** No chunk was handed since the last flush marker: so at most one marker per chunk is queued. */
  private boolean flushed = true;
  private final OutputStream next;
  private final Thread thread;
  /** Written by the thread before it ends, read after joining it. */
  private Digest hashed;
  private byte[] current = new byte[CHUNK + 4];
  private int fill;
  private long count;
  private volatile Throwable failure;
  private Digest result;

  /** Starts the hashing thread; the bytes go nowhere else. */
  public AsyncDigester() {
    this(OutputStream.nullOutputStream());
  }

  /**
   * Starts the hashing thread.
   *
   * @param next where the thread writes every byte after hashing it; not closed. Written only by
   *     that thread until {@link #digest()} returns.
   */
  public AsyncDigester(OutputStream next) {
    this.next = next;
    thread = new Thread(this::run, "kiln-digest");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      // made here, not by the producer: the first digester of a process sets up the JDK's
      // providers (~20 ms), which then overlaps with the producer's own start
      Digester digester = Digester.sha256();
      while (true) {
        byte[] chunk = full.take();
        if (chunk == END) {
          hashed = digester.digest();
          return;
        }
        if (chunk == FLUSH) {
          next.flush();
          continue;
        }
        int n = length(chunk);
        digester.update(chunk, 0, n);
        next.write(chunk, 0, n);
        free.offer(chunk);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
    }
  }

  // The chunk's fill is kept in its last four bytes, so the queue carries plain arrays.
  private static int length(byte[] chunk) {
    int o = CHUNK;
    return (chunk[o] & 0xff) << 24 | (chunk[o + 1] & 0xff) << 16 | (chunk[o + 2] & 0xff) << 8 | (chunk[o + 3] & 0xff);
  }

  private static void setLength(byte[] chunk, int n) {
    int o = CHUNK;
    chunk[o] = (byte) (n >>> 24);
    chunk[o + 1] = (byte) (n >>> 16);
    chunk[o + 2] = (byte) (n >>> 8);
    chunk[o + 3] = (byte) n;
  }

  /**
   * Adds bytes.
   *
   * @param b the array
   * @param off the offset
   * @param len the number of bytes
   * @throws IOException when the next stage failed, or when interrupted while the queue is full
   */
  public void update(byte[] b, int off, int len) throws IOException {
    count += len;
    while (len > 0) {
      int n = Math.min(len, CHUNK - fill);
      System.arraycopy(b, off, current, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == CHUNK) {
        hand();
      }
    }
  }

  /**
   * Has the thread flush the next stage once it has passed on every byte added so far.
   *
   * @throws IOException as {@link #update}
   */
  public void flush() throws IOException {
    if (fill > 0) {
      hand();
    }
    if (!flushed) {
      flushed = true;
      put(FLUSH);
    }
  }

  private void hand() throws IOException {
    setLength(current, fill);
    put(current);
    flushed = false;
    byte[] spare = free.poll();
    if (spare == null) {
      if (made < CHUNKS) {
        made++;
        spare = new byte[CHUNK + 4];
      } else {
        try {
          // wait for the thread rather than make garbage; a thread that died never returns one
          while ((spare = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
            if (!thread.isAlive()) {
              throw failed();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while digesting");
        }
      }
    }
    current = spare;
    fill = 0;
  }

  /**
   * Queues a chunk or marker. The queue has room for every chunk, a marker after each and the end,
   * so this never waits for long.
   */
  private void put(byte[] chunk) throws IOException {
    if (failure != null) {
      throw failed();
    }
    try {
      full.put(chunk);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while digesting");
    }
  }

  /** The thread's failure, to throw on the producer's thread (with its stack). */
  private IOException failed() {
    if (failure instanceof IOException io) {
      return new IOException(io.getMessage(), io);
    }
    throw new IllegalStateException("digest thread failed", failure);
  }

  /** Returns the number of bytes added so far. */
  public long count() {
    return count;
  }

  /**
   * Waits until the thread has hashed and passed on every byte added and returns their digest;
   * call once, at the end.
   *
   * @return the digest
   * @throws IOException when the next stage failed, or when interrupted
   */
  public Digest digest() throws IOException {
    if (result == null) {
      if (fill > 0) {
        hand();
      }
      put(END);
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while digesting");
      }
      if (failure != null) {
        throw failed();
      }
      result = hashed;
    }
    return result;
  }

  /**
   * Stops the thread if {@link #digest()} was never called, and waits for it: the next stage is
   * then the caller's alone again (to close or free).
   */
  @Override
  public void close() {
    if (result == null) {
      thread.interrupt();
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
