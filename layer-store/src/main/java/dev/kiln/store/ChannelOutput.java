package dev.kiln.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The output stream a blob is written through: small writes are buffered (the buffer is made on
 * the first small write, so a writer fed whole buffers, as a download is, never allocates one),
 * large ones go straight to the channel. Every {@link #WRITEBACK} bytes it starts flushing what
 * was written so far to the disk on a virtual thread, so the fsync that publishes a large blob
 * waits for its tail rather than the whole blob (a 100 MiB layer otherwise met its fsync with all
 * of it still dirty). Used by the local blob store and by the registry's upload files. Not
 * thread-safe; the caller's thread writes, {@link #sync}s and closes.
 */
public final class ChannelOutput extends OutputStream {
  /** Bytes written between early write-backs. */
  public static final int WRITEBACK = 32 << 20;

  private static final int BUFFER = 64 * 1024;

  private final FileChannel channel;
  private byte[] buf;
  private int count;
  private long unflushed;
  private Thread writeback;
  // Written by the write-back thread, read after joining it.
  private volatile IOException writebackFailure;

  /**
   * Wraps a channel open for writing; {@link #close} closes it.
   *
   * @param channel the channel
   */
  public ChannelOutput(FileChannel channel) {
    this.channel = channel;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len >= BUFFER) {
      flush();
      writeFully(ByteBuffer.wrap(b, off, len));
      return;
    }
    if (buf == null) {
      buf = new byte[BUFFER];
    }
    if (len > buf.length - count) {
      flush();
    }
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  @Override
  public void flush() throws IOException {
    if (count > 0) {
      writeFully(ByteBuffer.wrap(buf, 0, count));
      count = 0;
    }
  }

  private void writeFully(ByteBuffer bb) throws IOException {
    int n = bb.remaining();
    while (bb.hasRemaining()) {
      channel.write(bb);
    }
    unflushed += n;
    if (unflushed >= WRITEBACK && (writeback == null || !writeback.isAlive())) {
      unflushed = 0;
      writeback = Thread.ofVirtual().name("blob-writeback").start(() -> {
        try {
          channel.force(false);
        } catch (IOException e) {
          // Kept for sync(): Linux reports a failed write-back to one fsync only, maybe this one.
          writebackFailure = e;
        }
      });
    }
  }

  /**
   * Flushes and makes the bytes durable ({@code fsync}), after any early write-back finished.
   *
   * @throws IOException when writing or syncing failed, now or in an early write-back
   */
  public void sync() throws IOException {
    flush();
    awaitWriteback();
    channel.force(true);
  }

  /**
   * Waits for an early write-back still running; call before closing the channel.
   *
   * @throws IOException when it failed
   */
  public void awaitWriteback() throws IOException {
    if (writeback != null) {
      try {
        writeback.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while a blob was written to disk");
      }
      writeback = null;
    }
    IOException failed = writebackFailure;
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Writes what is buffered, waits for an early write-back, and closes the channel (also when
   * either fails).
   *
   * @throws IOException when writing failed, now or in an early write-back
   */
  @Override
  public void close() throws IOException {
    try {
      flush();
      awaitWriteback();
    } finally {
      channel.close();
    }
  }
}
