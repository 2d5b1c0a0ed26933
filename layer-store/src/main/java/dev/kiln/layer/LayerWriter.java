package dev.kiln.layer;

import dev.kiln.layer.internal.AsyncDigester;
import dev.kiln.layer.internal.AsyncDigestingStreams;
import dev.kiln.layer.internal.EntryEmitter;
import dev.kiln.layer.internal.ParallelGzipOutputStream;
import dev.kiln.layer.internal.TarOutput;
import dev.kiln.layer.internal.TarInput;
import dev.kiln.layer.internal.TreeWalks;
import dev.kiln.layer.internal.Uncompressed;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.store.BlobStore;
import dev.kiln.store.BlobWriter;
import dev.kiln.store.internal.ZstdStreams;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes layer blobs from files, reproducibly: the same tree and options give the same bytes on
 * every run and machine (entries in a fixed order, whole-second mtimes, owner names empty, pax
 * headers only where needed, compression output independent of the thread count). The tar, its
 * diffId, the compressed blob and its digest and size all come out of one pass:
 *
 * <pre>tar → tee(diffId) → compressor → tee(digest, size) → sink</pre>
 *
 * <p>Each stage runs on threads of its own: the caller's thread walks and makes the tar; each
 * digester hashes on one thread and passes the bytes on from another (the tar's feeds the
 * compressor, the blob's writes the sink). Heap use is bounded whatever the layer's size: a 512 KiB
 * tar buffer, at most 2 MiB in flight in each of the two digesters, and for gzip two 128 KiB blocks
 * per compressing thread; {@code bench/layers} runs it with {@code -Xmx64m}. Hardlink tracking
 * grows with the number of files that have several links. Immutable and thread-safe; each call
 * uses its own buffers and threads.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md">image-spec v1.1.0,
 *     layers</a>
 */
public final class LayerWriter {
  private final LayerOptions options;

  /**
   * Creates a writer.
   *
   * @param options compression, mtime and owner rules
   */
  public LayerWriter(LayerOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Returns this writer's options. */
  public LayerOptions options() {
    return options;
  }

  /**
   * Writes a layer blob to a stream.
   *
   * @param source where the entries come from
   * @param sink where the blob goes; not closed
   * @return the diffId, the uncompressed size and the blob's descriptor
   * @throws LayerRejectedException when an archive source holds a hostile or malformed entry, or an
   *     overlay upper dir uses redirect_dir or metacopy
   * @throws IOException when reading or writing fails
   */
  public WrittenLayer write(LayerSource source, OutputStream sink) throws IOException {
    return write(source, sink, null);
  }

  /**
   * Writes a layer blob straight into a blob store, in the same single pass. The store's writer
   * hashes the blob as it takes it in, so this writer does not hash it a second time.
   *
   * @param source where the entries come from
   * @param store the store; the blob is visible there only once complete and verified
   * @return the diffId, the uncompressed size and the stored blob's descriptor
   * @throws IOException as {@link #write(LayerSource, OutputStream)}, or when storing fails
   */
  public WrittenLayer write(LayerSource source, BlobStore store) throws IOException {
    try (BlobWriter w = store.openWriter()) {
      return write(source, w, w);
    }
  }

  /** STORE, when not null, is SINK: it hashes the blob itself and is committed here. */
  private WrittenLayer write(LayerSource source, OutputStream sink, BlobWriter store)
      throws IOException {
    return switch (source) {
      case LayerSource.Directory d -> {
        requireDirectory(d.root());
        yield write(sink, store, e -> TreeWalks.directory(d.root(), e));
      }
      case LayerSource.Diff d -> {
        requireDirectory(d.lower());
        requireDirectory(d.upper());
        yield write(sink, store, e -> TreeWalks.diff(d.lower(), d.upper(), e));
      }
      case LayerSource.OverlayUpper o -> {
        requireDirectory(o.upperDir());
        yield write(sink, store, e -> TreeWalks.overlayUpper(o.upperDir(), e));
      }
      case LayerSource.Archive a -> {
        try (Uncompressed u = Uncompressed.open(a.in(), Long.MAX_VALUE, Long.MAX_VALUE)) {
          yield write(sink, store, e -> e.transcode(new TarInput(u.tar())));
        } catch (LayerRejectedException ex) {
          throw new LayerRejectedException(ex.entry(), ex.getMessage() + " (in " + a.name() + ")");
        }
      }
    };
  }

  private interface Walk {
    void run(EntryEmitter emitter) throws IOException;
  }

  private static void requireDirectory(Path p) throws IOException {
    if (!Files.isDirectory(p)) {
      throw new IOException(p + ": not a directory");
    }
  }

  private WrittenLayer write(OutputStream sink, BlobWriter store, Walk walk) throws IOException {
    // Each stage on threads of its own so they overlap: this thread walks the tree and makes the
    // tar; the tar digester hashes it and, on a second thread, starts the compressor (which has
    // threads of its own) and feeds it; the blob digester hashes the compressed bytes (unless a
    // store's writer does) and writes them to the sink.
    boolean plain = options.compression() == Compression.NONE;
    String mediaType = options.compression().mediaType();
    try (AsyncDigester blob = plain ? null
        : new AsyncDigester(() -> new NonClosing(sink), store == null)) {
      AsyncDigester.Stage compressor = switch (options.compression()) {
        case NONE -> () -> new NonClosing(sink);
        case GZIP -> () -> new ParallelGzipOutputStream(
            AsyncDigestingStreams.output(blob), options.level(), options.threads());
        case ZSTD -> () -> ZstdStreams.output(
            AsyncDigestingStreams.output(blob), options.level(), options.threads());
      };
      // An uncompressed layer is its tar: into a store, the store's writer hashes it, once.
      boolean tarHashedByStore = plain && store != null;
      Digest diffId = null;
      long tarSize;
      try (AsyncDigester tarDigest = new AsyncDigester(compressor, !tarHashedByStore)) {
        // TarOutput buffers (512 KiB) and hands on large writes itself
        TarOutput tar = new TarOutput(AsyncDigestingStreams.output(tarDigest));
        walk.run(new EntryEmitter(tar, options));
        tar.finish();
        tarDigest.finish(); // the compressor has every byte and has ended its stream
        if (!tarHashedByStore) {
          diffId = tarDigest.digest();
        }
        tarSize = tarDigest.count();
      }
      Descriptor descriptor;
      if (store != null) {
        if (!plain) {
          blob.finish();
        }
        descriptor = store.commit(mediaType);
        if (plain) {
          diffId = descriptor.digest();
        }
      } else if (plain) {
        descriptor = Descriptor.of(mediaType, diffId, tarSize);
      } else {
        descriptor = Descriptor.of(mediaType, blob.digest(), blob.count());
      }
      return new WrittenLayer(diffId, tarSize, descriptor);
    }
  }

  /** Lets the pipeline close every stage but the caller's sink. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
