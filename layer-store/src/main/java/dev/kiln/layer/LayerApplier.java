package dev.kiln.layer;

import dev.kiln.layer.internal.Extractor;
import dev.kiln.layer.internal.FileTar;
import dev.kiln.layer.internal.TarEntry;
import dev.kiln.layer.internal.TarInput;
import dev.kiln.layer.internal.Uncompressed;
import dev.kiln.oci.Digest;
import dev.kiln.store.internal.Compression;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Extracts layers onto directories with OCI whiteout semantics, hardlinks, symlinks, owners, modes,
 * xattrs and device nodes, decompressing gzip, zstd or nothing as the blob's first bytes say. A
 * hostile layer is refused with a {@link LayerRejectedException} naming the entry, before anything
 * outside the target is created, changed or deleted: {@code ..} and absolute names, writes through
 * symlinks that leave the target, hardlinks and whiteouts outside it, sizes that lie and
 * decompression bombs (see {@link ApplyOptions}). Symlinks met on the way are followed as if the
 * target were the root: an absolute link target starts at the target. A refused layer may leave the
 * target partly written; apply into a scratch directory (as {@link UnpackedLayers} does) when that
 * matters. Heap use is bounded whatever the layer's size. Immutable and thread-safe; apply one
 * layer to a given target at a time.
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
   * Applies a layer blob to a directory. An uncompressed blob read from a {@link FileInputStream}
   * (as a {@link dev.kiln.store.FileBlobStore} gives) is read from its file by two threads: one
   * applies the tar, the other hashes it, each at its own pace (see {@code FileTar}); the file must
   * not change meanwhile. Any other blob is read once, as a stream.
   *
   * @param blob the blob, compressed or not; read to its end, not closed
   * @param target an existing directory
   * @return the diffId computed while reading, the uncompressed size and the entry count
   * @throws LayerRejectedException when the layer is malformed or hostile
   * @throws IOException when reading or writing fails
   */
  public AppliedLayer apply(InputStream blob, Path target) throws IOException {
    if (blob instanceof FileInputStream f) {
      FileChannel file = f.getChannel();
      long start = seekablePosition(file);
      long size = start < 0 ? 0 : file.size() - start;
      if (size > 0 && uncompressed(file, start)) {
        if (size > options.maxExpandedBytes()) {
          throw new LayerRejectedException("", "layer of " + size
              + " bytes is larger than the bound of " + options.maxExpandedBytes()
              + " bytes on expanded size");
        }
        try (FileTar tar = new FileTar(file, start, size)) {
          long entries = extract(tar.tar(), target);
          Digest diffId = tar.diffId();
          file.position(start + size); // read to its end, as a stream would be
          return new AppliedLayer(diffId, size, entries);
        }
      }
    }
    try (Uncompressed u = Uncompressed.open(blob, options.maxExpandedBytes(), options.maxRatio())) {
      long entries = extract(u.tar(), target);
      return new AppliedLayer(u.diffId(), u.size(), entries);
    }
  }

  /** A file's position, or -1 when it has none (a pipe or a terminal). */
  private static long seekablePosition(FileChannel file) {
    try {
      return file.position();
    } catch (IOException notSeekable) {
      return -1;
    }
  }

  /** Whether a file holds no known compression magic from a position on; does not move it. */
  private static boolean uncompressed(FileChannel file, long start) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(4);
    while (head.hasRemaining() && file.read(head, start + head.position()) > 0) {
      // at most four bytes
    }
    return Compression.detect(head.array(), head.position()) == Compression.Kind.NONE;
  }

  private long extract(InputStream tarBytes, Path target) throws IOException {
    TarInput tar = new TarInput(tarBytes);
    Extractor extractor = new Extractor(target, options);
    long entries = 0;
    for (TarEntry e; (e = tar.next()) != null; ) {
      extractor.apply(e, tar);
      entries++;
    }
    tar.drain();
    extractor.finishDirectories();
    return entries;
  }
}
