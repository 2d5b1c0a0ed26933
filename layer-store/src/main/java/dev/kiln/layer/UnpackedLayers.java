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
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

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

  /**
   * Returns the diffId of a directory of this cache.
   *
   * @param dir a path, such as a container's overlay lower dir
   * @return its diffId when it is a layer directory of this cache, else empty
   */
  public Optional<Digest> diffIdOf(Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    if (!root.resolve("sha256").equals(d.getParent()) || !Digest.isValid("sha256:" + d.getFileName())) {
      return Optional.empty();
    }
    return Optional.of(Digest.parse("sha256:" + d.getFileName()));
  }

  /** What {@link #sweep} removed, or would remove on a dry run, and what it kept. */
  public record SweepReport(int removed, long bytesRemoved, int kept, long bytesKept) {}

  /**
   * Deletes the unpacked layers that KEEP rejects, unless they were unpacked within GRACE (a pull
   * or build may not have tagged their image yet), and unpackings a crash left in {@code tmp/}.
   * A layer leaves {@code sha256/} by one rename before it is deleted, so nobody stacks half of it.
   *
   * @param keep the diffIds still needed (by images, the build cache, containers)
   * @param grace how long a layer nothing refers to is kept after it was unpacked
   * @param dryRun only report
   * @return what was (or would be) removed
   * @throws IOException when the cache cannot be read or a layer cannot be deleted
   */
  public SweepReport sweep(Predicate<Digest> keep, Duration grace, boolean dryRun) throws IOException {
    Instant cutoff = Instant.now().minus(grace);
    int removed = 0;
    int kept = 0;
    long bytes = 0;
    long bytesKept = 0;
    List<Path> dirs;
    try (Stream<Path> list = Files.list(root.resolve("sha256"))) {
      dirs = list.sorted().toList();
    }
    for (Path dir : dirs) {
      Digest diffId;
      try {
        diffId = Digest.parse("sha256:" + dir.getFileName());
      } catch (dev.kiln.oci.OciFormatException e) {
        continue; // not one of ours
      }
      // ctime, not mtime: the rename that completed the layer set it; mtime is the tar's
      if (keep.test(diffId) || changedAfter(dir, cutoff)) {
        kept++;
        bytesKept += treeBytes(dir);
        continue;
      }
      removed++;
      bytes += treeBytes(dir);
      if (!dryRun) {
        synchronized (locks.computeIfAbsent(diffId, d -> new Object())) {
          Path doomed = root.resolve("tmp").resolve(diffId.encoded() + "-gc-" + System.nanoTime());
          Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
          Extractor.deleteTree(doomed);
        }
      }
    }
    try (Stream<Path> list = Files.list(root.resolve("tmp"))) {
      for (Path t : list.toList()) {
        if (!changedAfter(t, cutoff)) {
          bytes += treeBytes(t);
          if (!dryRun) {
            Extractor.deleteTree(t);
          }
        }
      }
    }
    return new SweepReport(removed, bytes, kept, bytesKept);
  }

  private static boolean changedAfter(Path p, Instant cutoff) throws IOException {
    return ((FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant().isAfter(cutoff);
  }

  private static long treeBytes(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  private Path dirOf(Digest diffId) {
    return root.resolve(diffId.algorithm()).resolve(diffId.encoded());
  }
}
