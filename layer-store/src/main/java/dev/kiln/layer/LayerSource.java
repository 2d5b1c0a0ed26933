package dev.kiln.layer;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/** Where a layer's entries come from; {@link LayerWriter} turns each into a layer blob. */
public sealed interface LayerSource {
  /**
   * Every file under a directory (not the directory itself).
   *
   * @param root the tree
   */
  record Directory(Path root) implements LayerSource {
    /** Checks. */
    public Directory {
      Objects.requireNonNull(root, "root");
    }
  }

  /**
   * What changed from one tree to another: added and changed files, {@code .wh.NAME} for deleted
   * ones, and the directories leading to every change. A file counts as changed when its type, mode,
   * owner, size, mtime (to the nanosecond), link target, device number or xattrs differ.
   *
   * @param lower the tree before
   * @param upper the tree after
   */
  record Diff(Path lower, Path upper) implements LayerSource {
    /** Checks. */
    public Diff {
      Objects.requireNonNull(lower, "lower");
      Objects.requireNonNull(upper, "upper");
    }
  }

  /**
   * The upper directory of an (unmounted) overlayfs: whiteout devices (char 0/0) become {@code
   * .wh.NAME}, opaque directories ({@code trusted.overlay.opaque=y}) get {@code .wh..wh..opq}, and
   * the overlay's own xattrs are left out. This is the layer of a RUN step; the overlay must be
   * mounted with {@code redirect_dir=off,metacopy=off}.
   *
   * @param upperDir the upper directory
   */
  record OverlayUpper(Path upperDir) implements LayerSource {
    /** Checks. */
    public OverlayUpper {
      Objects.requireNonNull(upperDir, "upperDir");
    }
  }

  /**
   * An existing tar (plain, gzip or zstd, by its magic bytes), re-written entry by entry under the
   * writer's rules: names made relative ({@code ./} and {@code /} dropped), the root entry left out,
   * names with {@code ..} refused. Read to its end, not closed.
   *
   * @param in the archive
   * @param name names the archive in error messages
   */
  record Archive(InputStream in, String name) implements LayerSource {
    /** Checks. */
    public Archive {
      Objects.requireNonNull(in, "in");
      Objects.requireNonNull(name, "name");
    }
  }
}
