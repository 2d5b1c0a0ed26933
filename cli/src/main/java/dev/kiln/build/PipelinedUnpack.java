package dev.kiln.build;

import dev.kiln.build.internal.StoreLayer;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Layer;
import dev.kiln.remote.LayerTap;
import dev.kiln.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A layer tap that unpacks each layer into the unpacked-layer cache while it downloads: the
 * compressed bytes flow through a bounded pipe to a thread that decompresses and applies them, so
 * pulling and running an image ends soon after its last byte arrives instead of one full unpack
 * later. The cache verifies each layer's diffId as usual, so nothing unverified is kept.
 *
 * <p>An unpack that fails here (a hostile layer, a failed download) leaves nothing behind and is
 * not reported: the caller's ordinary {@link UnpackedLayers#unpack} of the stored layer repeats
 * it and reports the error. Call {@link #await} after the pull, before unpacking; close to stop.
 */
public final class PipelinedUnpack implements LayerTap, AutoCloseable {
  /**
   * Pipe buffers per layer, each of {@link #CHUNK_BYTES}: bounds
   * memory, lets the download run ahead a little.
   */
  private static final int CHUNKS = 16;
  /** Bytes per pipe buffer: a whole read of the download. */
  private static final int CHUNK_BYTES = 256 * 1024;

  private final UnpackedLayers unpacked;
  private final BlobStore blobs;
  private final ExecutorService appliers = Executors.newVirtualThreadPerTaskExecutor();
  // Guarded by itself.
  private final List<Future<?>> running = new ArrayList<>();

  /**
   * Creates a tap.
   *
   * @param unpacked the cache layers are unpacked into
   * @param blobs the store the pull writes into (a second reader of a layer reads it there)
   */
  public PipelinedUnpack(UnpackedLayers unpacked, BlobStore blobs) {
    this.unpacked = unpacked;
    this.blobs = blobs;
  }

  @Override
  public Optional<Sink> open(Descriptor layer, Digest diffId) {
    if (unpacked.find(diffId).isPresent()) {
      return Optional.empty();
    }
    Pipe pipe = new Pipe();
    Layer streamed = new StreamedLayer(new StoreLayer(blobs, layer, diffId), pipe);
    synchronized (running) {
      running.add(appliers.submit(() -> {
        try {
          return unpacked.unpack(streamed);
        } finally {
          pipe.closeReader();
        }
      }));
    }
    return Optional.of(pipe.sink);
  }

  /**
   * Waits for every unpack started so far to finish (successfully or not).
   *
   * @throws InterruptedIOException when interrupted while waiting
   */
  public void await() throws InterruptedIOException {
    List<Future<?>> all;
    synchronized (running) {
      all = List.copyOf(running);
    }
    for (Future<?> f : all) {
      try {
        f.get();
      } catch (ExecutionException e) {
        // Reported by the caller's own unpack of the stored layer.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while unpacking layers");
      }
    }
  }

  /** Stops waiting for unpacks; those still running are interrupted and leave nothing. */
  @Override
  public void close() {
    appliers.shutdownNow();
  }

  /**
   * A layer read from the pipe the first time (while it downloads), from the store afterwards:
   * a reopen is only asked for once the blob is stored.
   */
  private static final class StreamedLayer implements Layer {
    private final StoreLayer stored;
    private Pipe pipe;

    StreamedLayer(StoreLayer stored, Pipe pipe) {
      this.stored = stored;
      this.pipe = pipe;
    }

    @Override
    public Descriptor descriptor() {
      return stored.descriptor();
    }

    @Override
    public Digest diffId() {
      return stored.diffId();
    }

    @Override
    public synchronized InputStream open() throws IOException {
      if (pipe != null) {
        InputStream in = pipe.source;
        pipe = null;
        return in;
      }
      return stored.open();
    }

    @Override
    public InputStream openUncompressed() throws IOException {
      return stored.openUncompressed();
    }
  }

  /**
   * A bounded one-writer, one-reader byte pipe. Unlike java.io's piped streams it never polls and
   * does not tie itself to threads: once the reader is done (the unpack may stop before the gzip
   * trailer), the writer's bytes are dropped so the download is never held up or failed by it.
   * Its buffers go back and forth between writer and reader instead of being allocated per write:
   * a 500 MiB pull-and-run otherwise allocated 500 MiB and spent half a second in young-GC pauses
   * copying the chunks in flight.
   */
  private static final class Pipe {
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
    private volatile boolean readerClosed;
    private volatile IOException aborted;
    // Writer's only: buffers made so far (at most CHUNKS).
    private int made;

    final Sink sink = new Sink() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0 && !readerClosed) {
          byte[] buf = buffer();
          if (buf == null) {
            return;
          }
          int n = Math.min(len, buf.length);
          System.arraycopy(b, off, buf, 0, n);
          put(new Chunk(buf, n));
          off += n;
          len -= n;
        }
      }

      @Override
      public void close() throws IOException {
        put(Chunk.EOF);
      }

      @Override
      public void abort(IOException cause) {
        aborted = cause;
        full.clear();
        full.offer(Chunk.EOF);
      }
    };

    final InputStream source = new InputStream() {
      private Chunk current = new Chunk(new byte[0], 0);
      private int pos;
      private boolean ended;

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
        while (pos == current.length()) {
          if (ended) {
            return -1;
          }
          if (current.length() > 0) {
            free.offer(current.bytes());
          }
          try {
            current = full.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a downloading layer");
          }
          pos = 0;
          if (aborted != null) {
            throw new IOException("layer download failed: " + aborted.getMessage(), aborted);
          }
          if (current == Chunk.EOF) {
            ended = true;
          }
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.bytes(), pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public void close() {
        closeReader();
      }
    };

    /** A free buffer, a new one while fewer than CHUNKS exist, or null once the reader is gone. */
    private byte[] buffer() throws IOException {
      try {
        byte[] buf = free.poll();
        if (buf == null && made < CHUNKS) {
          made++;
          return new byte[CHUNK_BYTES];
        }
        while (buf == null && !readerClosed) {
          // All buffers are queued: the unpack is behind; wait for it, or for it to finish.
          buf = free.poll(50, TimeUnit.MILLISECONDS);
        }
        return buf;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while handing a layer to its unpack");
      }
    }

    private void put(Chunk chunk) throws IOException {
      try {
        while (!readerClosed && !full.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
          // Full: the unpack is behind; wait for it, or for it to finish.
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while handing a layer to its unpack");
      }
    }

    void closeReader() {
      readerClosed = true;
      full.clear();
    }
  }

  /** LENGTH bytes of BYTES, handed from the pipe's writer to its reader. */
  private record Chunk(byte[] bytes, int length) {
    static final Chunk EOF = new Chunk(new byte[0], 0);
  }
}
