package dev.kiln.layer;

import dev.kiln.layer.internal.Extractor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Layers unpacked once per diffId, each on its own with overlayfs whiteouts, for the runtime to
 * stack as overlay lower dirs:
 *
 * <pre>
 * ROOT/
 *   sha256/&lt;hex&gt;/      one layer's files (char 0/0 whiteouts, trusted.overlay.opaque=y)
 *   tmp/&lt;hex&gt;-&lt;n&gt;/      unpacking in progress; renamed into sha256/ only once complete and verified
 * </pre>
 *
 * A directory under {@code sha256/} is complete by construction: it appears by one atomic rename
 * after its diffId was checked. Thread-safe: concurrent requests for one diffId unpack it once in
 * this process; across processes the rename decides and the loser's copy is dropped.
 */
public final class UnpackedLayers {
  private final Path root;
  private final LayerApplier applier;
  private final ConcurrentHashMap<Digest, Object> locks = new ConcurrentHashMap<>();

  /**
   * Opens (creating as needed) a cache directory.
   *
   * @param root the cache's root
   * @param options bounds and privileges; whiteouts are always written as overlayfs whiteouts
   * @throws IOException when the directories cannot be made
   */
  public UnpackedLayers(Path root, ApplyOptions options) throws IOException {
    this.root = root.toAbsolutePath();
    this.applier = new LayerApplier(options.withWhiteouts(ApplyOptions.Whiteouts.OVERLAY));
    Files.createDirectories(this.root.resolve("sha256"));
    Files.createDirectories(this.root.resolve("tmp"));
  }

  /**
   * Returns the directory of a layer unpacked earlier.
   *
   * @param diffId the layer's diffId
   * @return its directory, or empty when it is not unpacked
   */
  public Optional<Path> find(Digest diffId) {
    Path dir = dirOf(diffId);
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? Optional.of(dir) : Optional.empty();
  }

  /**
   * Returns the directory of a layer, unpacking it first if needed.
   *
   * @param layer the layer (its blob is read once, when not yet unpacked)
   * @return its directory
   * @throws DigestMismatchException when the blob's uncompressed tar does not have the layer's
   *     diffId (nothing is kept)
   * @throws LayerRejectedException when the layer is hostile (nothing is kept)
   * @throws IOException when reading or writing fails
   */
  public Path unpack(Layer layer) throws IOException {
    Digest diffId = Objects.requireNonNull(layer.diffId(), "diffId");
    Optional<Path> done = find(diffId);
    if (done.isPresent()) {
      return done.get();
    }
    synchronized (locks.computeIfAbsent(diffId, d -> new Object())) {
      done = find(diffId);
      if (done.isPresent()) {
        return done.get();
      }
      Path tmp = Files.createTempDirectory(root.resolve("tmp"), diffId.encoded() + "-");
      try {
        AppliedLayer applied;
        try (InputStream in = layer.open()) {
          applied = applier.apply(in, tmp);
        }
        if (!applied.diffId().equals(diffId)) {
          throw new DigestMismatchException(
              "diffId of layer " + layer.descriptor().digest(), diffId, applied.diffId());
        }
        Path dir = dirOf(diffId);
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          if (!Files.isDirectory(dir)) {
            throw e;
          }
          // another process finished first: its copy is as good as ours
        } catch (java.nio.file.DirectoryNotEmptyException e) {
          // the same, reported by rename(2) as ENOTEMPTY
        }
        return dir;
      } finally {
        if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
          Extractor.deleteTree(tmp);
        }
      }
    }
  }

  /**
   * Takes a directory that already holds a layer's files in this cache's format (overlayfs
   * whiteouts and opaque markers: an overlay upper dir after its container exited) as that
   * layer's unpacked copy, by rename, so the layer just written need not be extracted again.
   *
   * @param diffId the diffId of the layer written from {@code dir}
   * @param dir the directory, on this cache's file system; moved away or deleted
   * @return the layer's directory
   * @throws IOException when the rename fails for another reason than a copy already present
   */
  public Path adopt(Digest diffId, Path dir) throws IOException {
    Path target = dirOf(diffId);
    synchronized (locks.computeIfAbsent(diffId, d -> new Object())) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
          return target;
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
          // another process adopted or unpacked it first: keep theirs
        }
      }
      Extractor.deleteTree(dir);
      return target;
    }
  }

  private Path dirOf(Digest diffId) {
    return root.resolve(diffId.algorithm()).resolve(diffId.encoded());
  }
}
