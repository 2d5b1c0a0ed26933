package dev.kiln.registry;

import dev.kiln.registry.internal.Collector;
import dev.kiln.registry.internal.FileStorageDriver;
import dev.kiln.registry.internal.RegistryStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Garbage collection of a registry's storage: deletes blobs no manifest references (sparing those
 * touched within a grace period, which pushes in progress depend on) and uploads idle longer than
 * the upload TTL. Safe to run while a server on the same storage takes pushes: manifest writes wait
 * for it. Thread-safe.
 */
public final class GarbageCollector {
  private GarbageCollector() {}

  /**
   * What a collection freed, or would free in a dry run.
   *
   * @param dryRun whether nothing was deleted
   * @param marked blobs and manifests still referenced
   * @param blobs the digests of the unreferenced blobs (as strings)
   * @param bytes their total size
   * @param uploads expired uploads deleted (0 in a dry run)
   */
  public record Report(boolean dryRun, int marked, List<String> blobs, long bytes, int uploads) {
    /** Copies. */
    public Report {
      blobs = List.copyOf(blobs);
    }
  }

  /**
   * Collects once.
   *
   * @param root the registry's storage directory
   * @param dryRun whether to only report
   * @param grace blobs touched more recently than this are kept
   * @param uploadTtl uploads idle longer than this are deleted
   * @return the report
   * @throws IOException when storage cannot be read or written
   */
  public static Report collect(Path root, boolean dryRun, Duration grace, Duration uploadTtl)
      throws IOException {
    RegistryStore store = new RegistryStore(new FileStorageDriver(root), Clock.systemUTC());
    Collector.Result r = new Collector(store).run(dryRun, grace);
    int uploads = dryRun ? 0 : store.expireUploads(uploadTtl);
    return new Report(dryRun, r.marked(), r.swept().stream().map(Object::toString).toList(),
        r.bytes(), uploads);
  }
}
