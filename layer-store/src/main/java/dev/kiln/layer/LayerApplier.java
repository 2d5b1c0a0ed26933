package dev.kiln.layer;

import dev.kiln.layer.internal.Extractor;
import dev.kiln.layer.internal.TarEntry;
import dev.kiln.layer.internal.TarInput;
import dev.kiln.layer.internal.Uncompressed;
import java.io.IOException;
import java.io.InputStream;
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
   * Applies a layer blob to a directory.
   *
   * @param blob the blob, compressed or not; read to its end, not closed
   * @param target an existing directory
   * @return the diffId computed while reading, the uncompressed size and the entry count
   * @throws LayerRejectedException when the layer is malformed or hostile
   * @throws IOException when reading or writing fails
   */
  public AppliedLayer apply(InputStream blob, Path target) throws IOException {
    try (Uncompressed u = Uncompressed.open(blob, options.maxExpandedBytes(), options.maxRatio())) {
      TarInput tar = new TarInput(u.tar());
      Extractor extractor = new Extractor(target, options);
      long entries = 0;
      for (TarEntry e; (e = tar.next()) != null; ) {
        extractor.apply(e, tar);
        entries++;
      }
      tar.drain();
      extractor.finishDirectories();
      return new AppliedLayer(u.diffId(), u.size(), entries);
    }
  }
}
