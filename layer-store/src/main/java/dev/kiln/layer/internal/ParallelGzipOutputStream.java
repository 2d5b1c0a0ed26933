package dev.kiln.layer.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip writer that deflates fixed-size blocks on several threads and joins them into one gzip
 * member any inflater reads, as pigz does: each block is primed with the previous block's last 32
 * KiB as a preset dictionary and ends on a sync flush, so the raw deflate streams concatenate. The
 * CRC runs on the writing thread (it is intrinsic and far faster than deflate). The output depends
 * only on the input and the level, never on the thread count. Blocks of random-looking bytes are
 * stored rather than deflated (see {@link #incompressible}), as zstd does with incompressible input. Memory stays bounded: at most {@code
 * 2 × threads} blocks are in flight. The header has no name and mtime 0. Closing finishes the
 * member and closes the wrapped stream. Not thread-safe for callers.
 */
public final class ParallelGzipOutputStream extends OutputStream {
  private static final int BLOCK = 128 * 1024;
  private static final int DICTIONARY = 32 * 1024;

  private final OutputStream out;
  private final int level;
  private final ExecutorService pool;
  private final int maxPending;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final ThreadLocal<Deflater> deflaters;
  /** Each deflating thread's output scratch; only the exact result is copied out. */
  private final ThreadLocal<byte[]> scratch =
      ThreadLocal.withInitial(() -> new byte[BLOCK + BLOCK / 8 + 1024]);
  /** Input blocks whose deflate is done, for reuse (at most {@code maxPending + 1} exist). */
  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
  private final CRC32 crc = new CRC32();
  private byte[] block = new byte[BLOCK];
  private int fill;
  private byte[] dictionary;
  private long total;
  private boolean closed;

  /**
   * Starts a gzip member.
   *
   * @param out where the gzip bytes go; closed by {@link #close()}
   * @param level the deflate level, 1–9
   * @param threads how many threads deflate, ≥ 1
   * @throws IOException when writing the header fails
   */
  public ParallelGzipOutputStream(OutputStream out, int level, int threads) throws IOException {
    if (level < 1 || level > 9 || threads < 1) {
      throw new IllegalArgumentException("gzip level " + level + ", threads " + threads);
    }
    this.out = out;
    this.level = level;
    this.maxPending = 2 * threads;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "kiln-gzip");
      t.setDaemon(true);
      return t;
    });
    this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level, true));
    // magic, deflate, no flags, mtime 0, extra flags (2 = best, 4 = fastest), OS unknown
    int xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
    out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, (byte) xfl, (byte) 0xff});
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("gzip stream closed");
    }
    crc.update(b, off, len);
    total += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK - fill);
      System.arraycopy(b, off, block, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == BLOCK) {
        submit(false);
      }
    }
  }

  private void submit(boolean last) throws IOException {
    byte[] input = block;
    int length = fill;
    byte[] dict = dictionary;
    pending.add(new Pending(input, pool.submit(() -> deflate(input, length, dict, last))));
    if (!last) {
      dictionary = Arrays.copyOfRange(input, length - DICTIONARY, length);
      byte[] next = spare.poll();
      block = next != null ? next : new byte[BLOCK];
      fill = 0;
    }
    while (pending.size() > maxPending) {
      writeOldest();
    }
  }

  private record Pending(byte[] input, Future<byte[]> result) {}

  private byte[] deflate(byte[] input, int length, byte[] dict, boolean last) {
    if (incompressible(input, length)) {
      return stored(input, length, last);
    }
    Deflater d = deflaters.get();
    d.reset();
    if (dict != null) {
      d.setDictionary(dict);
    }
    d.setInput(input, 0, length);
    if (last) {
      d.finish();
    }
    byte[] buf = scratch.get();
    if (buf.length < length + length / 8 + 1024) {
      buf = new byte[length + length / 8 + 1024];
    }
    int n = 0;
    while (true) {
      if (n == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
        scratch.set(buf);
      }
      int got = d.deflate(buf, n, buf.length - n, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
      n += got;
      if (last ? d.finished() : (n < buf.length && d.needsInput())) {
        return Arrays.copyOf(buf, n);
      }
    }
  }

  /**
   * Whether a block looks like random bytes (already compressed data, say): its byte entropy is
   * within 0.01 bit of 8, where deflate can save at most about 0.1 % and zlib spends as long looking
   * for matches as on text. Such a block is stored; the choice depends on the block alone, so the
   * output stays reproducible.
   */
  static boolean incompressible(byte[] input, int length) {
    if (length < 16 * 1024) {
      return false; // too few bytes for the estimate to mean much
    }
    int[] counts = new int[256];
    for (int i = 0; i < length; i++) {
      counts[input[i] & 0xff]++;
    }
    double sum = 0;
    for (int c : counts) {
      if (c > 0) {
        sum += c * Math.log(c);
      }
    }
    double bitsPerByte = (Math.log(length) - sum / length) / Math.log(2);
    return bitsPerByte > 7.99;
  }

  /**
   * The block as deflate stored blocks (RFC 1951 §3.2.4). Every block starts byte-aligned (the
   * previous one ended on a sync flush or on a stored block), so each header takes one byte.
   */
  private static byte[] stored(byte[] input, int length, boolean last) {
    int max = 65535;
    int blocks = Math.max(1, (length + max - 1) / max);
    byte[] out = new byte[length + 5 * blocks];
    int o = 0;
    int off = 0;
    for (int b = 0; b < blocks; b++) {
      int n = Math.min(max, length - off);
      out[o++] = (byte) (last && b == blocks - 1 ? 1 : 0); // BFINAL, BTYPE 00, padding
      out[o++] = (byte) n;
      out[o++] = (byte) (n >>> 8);
      out[o++] = (byte) ~n;
      out[o++] = (byte) (~n >>> 8);
      System.arraycopy(input, off, out, o, n);
      o += n;
      off += n;
    }
    return out;
  }

  private void writeOldest() throws IOException {
    Pending p = pending.poll();
    try {
      byte[] deflated = p.result().get();
      spare.add(p.input()); // its deflate is done: the block can take new input
      out.write(deflated);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      throw new IOException("gzip compression failed", e.getCause());
    }
  }

  /** Flushes nothing early: blocks are deflated whole so the output stays reproducible. */
  @Override
  public void flush() {}

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      submit(true);
      while (!pending.isEmpty()) {
        writeOldest();
      }
      long c = crc.getValue();
      out.write(new byte[] {
        (byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24),
        (byte) total, (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)
      });
      closed = true;
      out.close();
    } finally {
      closed = true;
      pool.shutdownNow();
    }
  }
}
