package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A sha256 digester that hashes on its own thread, so hashing a layer overlaps with extracting or
 * compressing it instead of adding to it. Bytes are copied into a bounded queue of 256 KiB chunks
 * (at most 8 in flight, 2 MiB), so memory stays bounded and a slow hasher slows the producer
 * rather than buffering. Used by one producer thread; {@link #digest()} waits for the hasher.
 */
public final class AsyncDigester implements AutoCloseable {
  private static final int CHUNK = 256 * 1024;
  private static final byte[] END = new byte[0];

  private static final int CHUNKS = 8;

  private final BlockingQueue<byte[]> full = new ArrayBlockingQueue<>(CHUNKS + 1);
  /** Chunks the hasher is done with; at most {@link #CHUNKS} are ever made, then they circulate. */
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
  private int made = 1;
  private final Thread thread;
  private final Digester digester = Digester.sha256();
  private byte[] current = new byte[CHUNK + 4];
  private int fill;
  private long count;
  private volatile Throwable failure;
  private Digest result;

  /** Starts the hashing thread. */
  public AsyncDigester() {
    thread = new Thread(this::run, "kiln-digest");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        byte[] chunk = full.take();
        if (chunk == END) {
          return;
        }
        int n = length(chunk);
        digester.update(chunk, 0, n);
        free.offer(chunk);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
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
   * @throws IOException when interrupted while the queue is full
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

  private void hand() throws IOException {
    setLength(current, fill);
    try {
      full.put(current);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while digesting");
    }
    byte[] next = free.poll();
    if (next == null) {
      if (made < CHUNKS) {
        made++;
        next = new byte[CHUNK + 4];
      } else {
        try {
          // wait for the hasher rather than make garbage; a hasher that died never returns one
          while ((next = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS)) == null) {
            if (!thread.isAlive()) {
              throw new IllegalStateException("digest thread failed", failure);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while digesting");
        }
      }
    }
    current = next;
    fill = 0;
  }

  /** Returns the number of bytes added so far. */
  public long count() {
    return count;
  }

  /**
   * Waits for the hasher and returns the digest of every byte added; call once, at the end.
   *
   * @return the digest
   * @throws IOException when interrupted
   */
  public Digest digest() throws IOException {
    if (result == null) {
      if (fill > 0) {
        hand();
      }
      try {
        full.put(END);
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while digesting");
      }
      if (failure != null) {
        throw new IllegalStateException("digest thread failed", failure);
      }
      result = digester.digest();
    }
    return result;
  }

  /** Stops the hashing thread if {@link #digest()} was never called. */
  @Override
  public void close() {
    if (result == null) {
      thread.interrupt();
    }
  }

}
