package dev.kiln.layer.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sha256 digester that hashes on a thread of its own and passes the bytes on, from a second
 * thread, to the next stage of a pipeline (a compressor, the blob's sink), which that thread opens
 * and closes: hashing, that stage's work (its start-up too, such as loading zstd) and what the
 * producer does all overlap instead of adding up. Bytes are copied once into a
 * bounded set of 256 KiB chunks (at most 8 in flight, 2 MiB) that both threads read; a chunk is
 * reused once both are done with it, so memory stays bounded and a slow thread slows the producer
 * rather than buffering. Used by one producer thread; {@link #finish()} waits until every byte is
 * hashed and passed on and the next stage is closed.
 */
public final class AsyncDigester implements AutoCloseable {
  /** Opens the next stage of a pipeline; called on the thread that writes to it and closes it. */
  @FunctionalInterface
  public interface Stage {
    /**
     * Opens the stage.
     *
     * @return the stream to write to
     * @throws IOException when the stage cannot start
     */
    OutputStream open() throws IOException;
  }

  private static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 8;

  /** Bytes for both threads; {@code readers} counts those not done with them yet. */
  private record Chunk(byte[] bytes, int length, AtomicInteger readers) {}

  private static final Chunk END = new Chunk(null, 0, null);
  /** Asks the passing thread to flush the next stage (a compressor's flush may end a block). */
  private static final Chunk FLUSH = new Chunk(null, 0, null);

  // room for every chunk, a flush marker after each and the end: putting never waits for long
  private final BlockingQueue<Chunk> toHash = new ArrayBlockingQueue<>(CHUNKS + 1);
  private final BlockingQueue<Chunk> toPass = new ArrayBlockingQueue<>(2 * CHUNKS + 1);
  /** Chunks both threads are done with; at most {@link #CHUNKS} are ever made, then they circulate. */
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
  private int made = 1;
  /** No chunk was handed since the last flush marker: so at most one marker per chunk is queued. */
  private boolean flushed = true;
  private final Stage next;
  /** The threads that read each chunk: the passer, and the hasher unless there is none. */
  private final int readers;
  /** Null when the next stage hashes the bytes itself. */
  private final Thread hasher;
  private final Thread passer;
  /** Written by the hasher before it ends, read after joining it. */
  private Digest hashed;
  private byte[] current = new byte[CHUNK];
  private int fill;
  private long count;
  private volatile Throwable failure;
  private boolean finished;

  /**
   * Starts the threads.
   *
   * @param next opened by the second thread, which writes every byte to it and closes it at the
   *     end (or when this digester is closed first)
   * @param hashing false when the next stage hashes the bytes itself (a blob store's writer): then
   *     no hashing thread starts and only {@link #finish()} ends the stream
   */
  public AsyncDigester(Stage next, boolean hashing) {
    this.next = next;
    this.readers = hashing ? 2 : 1;
    hasher = hashing ? start(this::hash, "kiln-digest") : null;
    passer = start(this::pass, "kiln-pass-on");
  }

  private static Thread start(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void hash() {
    try {
      // made here, not by the producer: the first digester of a process sets up the JDK's
      // providers (~20 ms), which then overlaps with the producer's own start
      Digester digester = Digester.sha256();
      for (Chunk c; (c = toHash.take()) != END; ) {
        digester.update(c.bytes(), 0, c.length());
        release(c);
      }
      hashed = digester.digest();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
  }

  private void pass() {
    OutputStream out = null;
    try {
      out = next.open();
      for (Chunk c; (c = toPass.take()) != END; ) {
        if (c == FLUSH) {
          out.flush();
        } else {
          out.write(c.bytes(), 0, c.length());
          release(c);
        }
      }
      OutputStream done = out;
      out = null;
      done.close(); // a compressor ends its stream: the end is part of passing every byte on
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
    } finally {
      if (out != null) {
        try {
          out.close(); // stopped early: still frees what the stage holds (a compressor's memory)
        } catch (IOException | RuntimeException ignored) {
          // the layer is failing already; the first failure is the one reported
        }
      }
    }
  }

  private void release(Chunk c) {
    if (c.readers().decrementAndGet() == 0) {
      free.offer(c.bytes());
    }
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
   * Has the passing thread flush the next stage once it has passed on every byte added so far.
   *
   * @throws IOException as {@link #update}
   */
  public void flush() throws IOException {
    if (fill > 0) {
      hand();
    }
    if (!flushed) {
      flushed = true;
      put(toPass, FLUSH);
    }
  }

  private void hand() throws IOException {
    Chunk c = new Chunk(current, fill, new AtomicInteger(readers));
    if (hasher != null) {
      put(toHash, c);
    }
    put(toPass, c);
    flushed = false;
    byte[] spare = free.poll();
    if (spare == null) {
      if (made < CHUNKS) {
        made++;
        spare = new byte[CHUNK];
      } else {
        try {
          // wait for the threads rather than make garbage; a thread that died never returns one
          while ((spare = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
            if (hasher != null && !hasher.isAlive() || !passer.isAlive()) {
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

  private void put(BlockingQueue<Chunk> queue, Chunk c) throws IOException {
    if (failure != null) {
      throw failed();
    }
    try {
      queue.put(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while digesting");
    }
  }

  /** The threads' failure, to throw on the producer's thread (with its stack). */
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
   * Ends the stream: waits until every byte added is hashed and passed on and the next stage is
   * closed. Later calls return at once.
   *
   * @throws IOException when the next stage failed, or when interrupted
   */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    if (fill > 0) {
      hand();
    }
    if (hasher != null) {
      put(toHash, END);
    }
    put(toPass, END);
    try {
      if (hasher != null) {
        hasher.join();
      }
      passer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while digesting");
    }
    if (failure != null) {
      throw failed();
    }
    finished = true;
  }

  /**
   * Ends the stream as {@link #finish()} does and returns the digest of every byte added.
   *
   * @return the digest
   * @throws IOException as {@link #finish()}
   * @throws IllegalStateException when this digester was made without hashing
   */
  public Digest digest() throws IOException {
    if (hasher == null) {
      throw new IllegalStateException("made without hashing: the next stage has the digest");
    }
    finish();
    return hashed;
  }

  /** Stops the threads if the stream was not finished, and waits for them. */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    List<Thread> threads = hasher == null ? List.of(passer) : List.of(hasher, passer);
    threads.forEach(Thread::interrupt);
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
