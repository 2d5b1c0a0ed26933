package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.RawManifest;
import dev.kiln.store.internal.FileLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Mark-and-sweep garbage collection of a {@link LayoutImageStore}. Roots are every entry of
 * index.json plus what the extra {@link GcRoots} give (containers, the build cache). Marking
 * follows indexes to their manifests and manifests to their config and layers.
 *
 * <p>Concurrent writers are safe in two ways: a sweep holds {@code gc.lock} exclusively, while
 * every blob commit and every {@link LayoutImageStore#lease() lease} holds it shared, so nothing is
 * committed or between commit and tag while the sweep runs; and blobs younger than the grace period
 * (by modification time, refreshed when an existing blob is committed again) are never deleted.
 */
public final class GarbageCollector {
  private static final System.Logger LOG = System.getLogger(GarbageCollector.class.getName());
  /** Temp files older than this belong to crashed writers. */
  private static final Duration STALE_TMP = Duration.ofHours(1);

  private final LayoutImageStore store;
  private final List<GcRoots> extraRoots;
  private final Clock clock;
  private final Duration grace;
  private final Duration lockTimeout;

  /**
   * Creates a collector.
   *
   * @param store the store
   * @param extraRoots roots beside the tags
   * @param clock the clock the grace period is measured with
   * @param grace blobs modified more recently than this are kept
   * @param lockTimeout how long to wait for writers to finish
   */
  public GarbageCollector(LayoutImageStore store, List<GcRoots> extraRoots, Clock clock,
      Duration grace, Duration lockTimeout) {
    this.store = store;
    this.extraRoots = List.copyOf(extraRoots);
    this.clock = clock;
    this.grace = grace;
    this.lockTimeout = lockTimeout;
  }

  /**
   * Collects garbage.
   *
   * @param dryRun count what would be deleted without deleting
   * @return what was kept and removed
   * @throws IOException when the store is busy past the timeout or cannot be read
   */
  public GcReport collect(boolean dryRun) throws IOException {
    if (dryRun) {
      return sweep(mark(), true);
    }
    try (var _ = FileLocks.exclusive(store.blobs().gcLock(), lockTimeout)) {
      GcReport report = sweep(mark(), false);
      removeStaleTemp();
      return report;
    }
  }

  private Set<Digest> mark() throws IOException {
    Set<Digest> marked = new HashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>(store.index().manifests());
    for (GcRoots r : extraRoots) {
      todo.addAll(r.roots());
    }
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (!marked.add(d.digest()) || !MediaTypes.isManifest(d.mediaType())
          || !store.blobs().exists(d.digest())) {
        continue;
      }
      try {
        RawManifest raw = store.rawManifest(d.digest());
        switch (raw.manifest()) {
          case ImageManifest im -> {
            todo.push(im.config());
            im.layers().forEach(todo::push);
          }
          case IndexManifest ix -> ix.manifests().forEach(todo::push);
        }
      } catch (OciException e) {
        // A corrupt manifest is kept (it is marked) but cannot keep anything else alive.
        LOG.log(System.Logger.Level.WARNING, "gc: cannot read manifest " + d.digest() + ": " + e.getMessage());
      }
    }
    return marked;
  }

  private GcReport sweep(Set<Digest> marked, boolean dryRun) throws IOException {
    Instant youngest = clock.instant().minus(grace);
    int kept = 0;
    int removed = 0;
    long keptBytes = 0;
    long removedBytes = 0;
    for (Digest digest : store.blobs().digests()) {
      Path p = store.blobs().path(digest);
      long size;
      Instant modified;
      try {
        size = Files.size(p);
        modified = Files.getLastModifiedTime(p).toInstant();
      } catch (NoSuchFileException e) {
        continue;
      }
      if (marked.contains(digest) || modified.isAfter(youngest)) {
        kept++;
        keptBytes += size;
      } else {
        if (!dryRun) {
          store.blobs().delete(digest);
        }
        removed++;
        removedBytes += size;
      }
    }
    return new GcReport(kept, keptBytes, removed, removedBytes, dryRun);
  }

  private void removeStaleTemp() throws IOException {
    Instant stale = clock.instant().minus(STALE_TMP);
    Path tmp = store.blobs().tmpDir();
    if (!Files.isDirectory(tmp)) {
      return;
    }
    try (Stream<Path> files = Files.list(tmp)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.getLastModifiedTime(p).toInstant().isBefore(stale)) {
          deleteTree(p);
        }
      }
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> children = Files.list(p)) {
        for (Path c : (Iterable<Path>) children::iterator) {
          deleteTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
