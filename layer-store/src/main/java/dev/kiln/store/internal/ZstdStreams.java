package dev.kiln.store.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * zstd streams on zstd-jni's native library, through the five libzstd calls a stream needs: the one
 * way kiln reads and writes zstd (layer writer and applier, blob store and archive reading, the
 * build engine's layers).
 *
 * <p>Why not zstd-jni's own streams: on Java 22 and later its multi-release jar binds libzstd
 * through FFM and links all 47 of its downcall handles when its binding class loads, about 35
 * distinct stubs, each spun as bytecode at run time: half a second of one core per process, plus
 * the JIT compiling the class-file generator, before the first byte is compressed. These calls go
 * through the one downcall shape kiln's libc calls use too ({@link Downcalls}), so they add no stub
 * of their own. The native library is still zstd-jni's (loaded by its loader, so the version and
 * so the output are those of the pinned zstd-jni), and the stream semantics are its streams'
 * ({@code flush()} ends a block, {@code close()} ends the frame), so a blob's bytes are the same.
 *
 * <p>Also kept apart so that the classes which merely mention zstd do not load the native library
 * for gzip and plain layers.
 *
 * @see <a href="https://facebook.github.io/zstd/zstd_manual.html">zstd manual (v1.5.7)</a>
 */
public final class ZstdStreams {
  private ZstdStreams() {}

  private static final int C_COMPRESSION_LEVEL = 100;
  private static final int C_CHECKSUM_FLAG = 201;
  private static final int C_NB_WORKERS = 400;
  private static final int E_CONTINUE = 0;
  private static final int E_FLUSH = 1;
  private static final int E_END = 2;
  /** libzstd's largest error code: a result in the top 120 values of size_t is an error. */
  private static final long ERROR_MAX_CODE = 120;
  private static final int IN_SIZE = 512 * 1024;
  private static final int OUT_SIZE = 256 * 1024;

  /** The calls, linked on first use through the one shape {@link Downcalls} gives every call. */
  @SuppressWarnings("restricted") // libzstd's error names are static C strings
  private static final class Lib {
    static final MethodHandle CREATE_CCTX;
    static final MethodHandle CREATE_DCTX;
    static final MethodHandle FREE_CCTX;
    static final MethodHandle FREE_DCTX;
    static final MethodHandle CCTX_SET_PARAMETER;
    static final MethodHandle COMPRESS;
    static final MethodHandle DECOMPRESS;
    static final MethodHandle ERROR_NAME;

    static {
      com.github.luben.zstd.util.Native.load(); // extracts and loads zstd-jni's libzstd
      SymbolLookup lookup = SymbolLookup.loaderLookup();
      CREATE_CCTX = Downcalls.link(lookup, "ZSTD_createCCtx"); // () → ctx
      CREATE_DCTX = Downcalls.link(lookup, "ZSTD_createDCtx");
      FREE_CCTX = Downcalls.link(lookup, "ZSTD_freeCCtx"); // (ctx) → size_t
      FREE_DCTX = Downcalls.link(lookup, "ZSTD_freeDCtx");
      // (ctx, int param, int value) → size_t
      CCTX_SET_PARAMETER = Downcalls.link(lookup, "ZSTD_CCtx_setParameter");
      // (ctx, dst, dstCapacity, *dstPos, src, srcSize, *srcPos, int endOp) → size_t
      COMPRESS = Downcalls.link(lookup, "ZSTD_compressStream2_simpleArgs");
      // (ctx, dst, dstCapacity, *dstPos, src, srcSize, *srcPos) → size_t
      DECOMPRESS = Downcalls.link(lookup, "ZSTD_decompressStream_simpleArgs");
      ERROR_NAME = Downcalls.link(lookup, "ZSTD_getErrorName"); // (size_t) → const char*
    }

    /** Returns libzstd's name for an error code. */
    static String errorName(long code) {
      try (Arena a = Arena.ofConfined()) {
        long name = Downcalls.call(ERROR_NAME, a.allocate(Downcalls.CAPTURE), code, 0, 0);
        return MemorySegment.ofAddress(name).reinterpret(256).getString(0);
      }
    }
  }

  private static long check(long result, String what) throws IOException {
    if (Long.compareUnsigned(result, -ERROR_MAX_CODE) > 0) {
      throw new IOException("zstd " + what + ": " + Lib.errorName(result));
    }
    return result;
  }

  /**
   * Decompresses a zstd stream (one frame or several, one after the other).
   *
   * @param in the compressed bytes; closed with the result
   * @return the uncompressed bytes; reading fails when the input ends inside a frame
   * @throws IOException when the decompressor cannot start
   */
  public static InputStream input(InputStream in) throws IOException {
    return new Decompressor(in);
  }

  /**
   * Compresses to zstd with worker threads. There is always at least one worker: zstd's output is
   * then the same for any worker count, so the digest does not depend on the machine's cores. No
   * checksum (the layer's digest covers the bytes).
   *
   * @param out where the compressed bytes go; closed with the result
   * @param level the zstd level
   * @param workers how many threads compress, ≥ 1
   * @return the compressing stream: {@code flush()} ends the current block, {@code close()} the
   *     frame
   * @throws IOException when the compressor cannot start
   */
  public static OutputStream output(OutputStream out, int level, int workers) throws IOException {
    return new Compressor(out, level, Math.max(1, workers));
  }

  /** Native buffers for one stream: input, output, and the two positions the calls move. */
  private static final class Buffers {
    final Arena arena = Arena.ofShared(); // a stream may be closed on another thread
    final MemorySegment src;
    final MemorySegment dst;
    final MemorySegment dstPos = arena.allocate(ValueLayout.JAVA_LONG);
    final MemorySegment srcPos = arena.allocate(ValueLayout.JAVA_LONG);
    final MemorySegment capture = arena.allocate(Downcalls.CAPTURE);
    final byte[] heap;

    Buffers(int srcSize, int dstSize) {
      src = arena.allocate(srcSize);
      dst = arena.allocate(dstSize);
      heap = new byte[Math.max(srcSize, dstSize)];
    }
  }

  private static final class Compressor extends OutputStream {
    private final OutputStream out;
    private final Buffers b = new Buffers(IN_SIZE, OUT_SIZE);
    private final long cctx;
    private boolean closed;

    Compressor(OutputStream out, int level, int workers) throws IOException {
      this.out = out;
      cctx = Downcalls.call(Lib.CREATE_CCTX, b.capture, 0, 0, 0);
      if (cctx == 0) {
        b.arena.close();
        throw new IOException("zstd: cannot create a compression context (out of memory?)");
      }
      try {
        setParameter(C_COMPRESSION_LEVEL, level);
        setParameter(C_CHECKSUM_FLAG, 0);
        setParameter(C_NB_WORKERS, workers);
      } catch (IOException e) {
        free();
        throw e;
      }
    }

    private void setParameter(int parameter, int value) throws IOException {
      check(Downcalls.call(Lib.CCTX_SET_PARAMETER, b.capture, cctx, parameter, value),
          "parameter " + parameter + " = " + value);
    }

    @Override
    public void write(int x) throws IOException {
      write(new byte[] {(byte) x}, 0, 1);
    }

    @Override
    public void write(byte[] data, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, IN_SIZE);
        MemorySegment.copy(data, off, b.src, ValueLayout.JAVA_BYTE, 0, n);
        compress(n, E_CONTINUE);
        off += n;
        len -= n;
      }
    }

    /**
     * Feeds {@code n} bytes of the input buffer (all of them with E_CONTINUE) or, with E_FLUSH and
     * E_END, none, until the compressor has nothing left to hand out; passes the output on.
     */
    private void compress(long n, int op) throws IOException {
      b.srcPos.set(ValueLayout.JAVA_LONG, 0, 0);
      while (true) {
        b.dstPos.set(ValueLayout.JAVA_LONG, 0, 0);
        long left = check(Downcalls.call(Lib.COMPRESS, b.capture, cctx, b.dst.address(), OUT_SIZE,
            b.dstPos.address(), b.src.address(), n, b.srcPos.address(), op), "compression");
        int produced = (int) b.dstPos.get(ValueLayout.JAVA_LONG, 0);
        if (produced > 0) {
          MemorySegment.copy(b.dst, ValueLayout.JAVA_BYTE, 0, b.heap, 0, produced);
          out.write(b.heap, 0, produced);
        }
        boolean done = op == E_CONTINUE ? b.srcPos.get(ValueLayout.JAVA_LONG, 0) == n : left == 0;
        if (done) {
          return;
        }
      }
    }

    @Override
    public void flush() throws IOException {
      if (!closed) {
        compress(0, E_FLUSH);
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (out) {
        compress(0, E_END);
      } finally {
        free();
      }
    }

    private void free() {
      try {
        Downcalls.call(Lib.FREE_CCTX, b.capture, cctx, 0, 0);
      } finally {
        b.arena.close();
      }
    }
  }

  private static final class Decompressor extends InputStream {
    private final InputStream in;
    private final Buffers b = new Buffers(128 * 1024, OUT_SIZE);
    private final long dctx;
    private long srcSize;
    private long srcRead; // how much of the input buffer the decompressor has taken
    private int outPos;
    private int outLen;
    private boolean inputEnded;
    private boolean frameDone; // the last call ended a frame: the input may end here
    private boolean closed;

    Decompressor(InputStream in) throws IOException {
      this.in = in;
      dctx = Downcalls.call(Lib.CREATE_DCTX, b.capture, 0, 0, 0);
      if (dctx == 0) {
        b.arena.close();
        throw new IOException("zstd: cannot create a decompression context (out of memory?)");
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] data, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (outPos == outLen) {
        if (srcRead == srcSize) {
          if (!inputEnded) {
            int got = in.read(b.heap, 0, (int) b.src.byteSize());
            if (got < 0) {
              inputEnded = true;
            } else {
              MemorySegment.copy(b.heap, 0, b.src, ValueLayout.JAVA_BYTE, 0, got);
              srcSize = got;
              srcRead = 0;
            }
          }
          if (inputEnded) {
            if (!frameDone) {
              throw new IOException("zstd: the stream ends inside a frame (truncated)");
            }
            return -1;
          }
        }
        decompress();
      }
      int n = Math.min(len, outLen - outPos);
      MemorySegment.copy(b.dst, ValueLayout.JAVA_BYTE, outPos, data, off, n);
      outPos += n;
      return n;
    }

    private void decompress() throws IOException {
      b.dstPos.set(ValueLayout.JAVA_LONG, 0, 0);
      b.srcPos.set(ValueLayout.JAVA_LONG, 0, srcRead);
      long r = check(Downcalls.call(Lib.DECOMPRESS, b.capture, dctx, b.dst.address(), OUT_SIZE,
          b.dstPos.address(), b.src.address(), srcSize, b.srcPos.address(), 0), "decompression");
      frameDone = r == 0;
      srcRead = b.srcPos.get(ValueLayout.JAVA_LONG, 0);
      outPos = 0;
      outLen = (int) b.dstPos.get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (in) {
        Downcalls.call(Lib.FREE_DCTX, b.capture, dctx, 0, 0);
      } finally {
        b.arena.close();
      }
    }
  }
}
