package dev.kiln.layer;

import com.github.luben.zstd.ZstdInputStream;
import dev.kiln.layer.internal.BoundedInputStream;
import dev.kiln.layer.internal.Extractor;
import dev.kiln.layer.internal.TarEntry;
import dev.kiln.layer.internal.TarInput;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestingInputStream;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Extracts layers onto directories with OCI whiteout semantics, hardlinks, symlinks, owners, modes,
 * xattrs and device nodes, decompressing gzip, zstd or nothing as the blob's first bytes say. A
 * hostile layer is refused with a {@link LayerRejectedException} naming the entry, before anything
 * outside the target is created, changed or deleted: {@code ..} and absolute names, writes through
 * symlinks that leave the target, hardlinks and whiteouts outside it, sizes that lie and
 * decompression bombs (see {@link ApplyOptions}). A refused layer may leave the target partly
 * written; apply into a scratch directory (as {@link UnpackedLayers} does) when that matters.
 * Heap use is bounded whatever the layer's size. Immutable and thread-safe; apply one layer to a
 * given target at a time.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md#whiteouts">image-spec
 *     v1.1.0, whiteouts</a>
 */
public final class LayerApplier {
  private final ApplyOptions options;

  /**
   * Creates an applier.
   *
   * @param options bounds, ownership, devices and whiteout mode
   */
  public LayerApplier(ApplyOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Returns this applier's options. */
  public ApplyOptions options() {
    return options;
  }

  /**
   * Applies a layer blob to a directory.
   *
   * @param blob the blob, compressed or not; read to its end, not closed
   * @param target an existing directory
   * @return the diffId computed while reading, the uncompressed size and the entry count
   * @throws LayerRejectedException when the layer is malformed or hostile
   * @throws IOException when reading or writing fails
   */
  public AppliedLayer apply(InputStream blob, Path target) throws IOException {
    Counting compressed = new Counting(blob);
    BufferedInputStream head = new BufferedInputStream(compressed, 64 * 1024);
    head.mark(4);
    byte[] magic = new byte[4];
    int got = head.readNBytes(magic, 0, 4);
    head.reset();
    InputStream plain = switch (Compression.detect(magic, got)) {
      case GZIP -> new GZIPInputStream(head, 64 * 1024);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(head), 128 * 1024);
      case NONE -> head;
    };
    try (plain) { // frees the decompressor's native state; the caller's stream stays open
      BoundedInputStream bounded = new BoundedInputStream(
          plain, options.maxExpandedBytes(), options.maxRatio(), compressed::count);
      DigestingInputStream tarBytes = new DigestingInputStream(bounded, Digest.SHA256);
      TarInput tar = new TarInput(tarBytes);
      Extractor extractor = new Extractor(target, options);
      long entries = 0;
      for (TarEntry e; (e = tar.next()) != null; ) {
        extractor.apply(e, tar);
        entries++;
      }
      tar.drain();
      extractor.finishDirectories();
      return new AppliedLayer(tarBytes.digest(), tarBytes.count(), entries);
    }
  }

  /** Counts compressed bytes for the ratio bound; does not close the caller's stream. */
  private static final class Counting extends FilterInputStream {
    private long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public void close() {}

    long count() {
      return count;
    }
  }
}
