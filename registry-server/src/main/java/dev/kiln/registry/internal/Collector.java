package dev.kiln.registry.internal;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.RawManifest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Mark and sweep over the CAS. Mark: every manifest revision of every repository and the blobs
 * and manifests it references. Sweep: every unmarked blob whose data was last touched before the
 * grace period, and the repository links to it. Safe while pushes continue: the storage lock is
 * held exclusively, so no manifest is written between mark and sweep, and blobs uploaded (or
 * referenced by a manifest PUT, which touches them) within the grace period are spared even when
 * no manifest references them yet.
 */
public final class Collector {
  private final RegistryStore store;

  /** What a run found or freed. */
  public record Result(int marked, List<Digest> swept, long bytes) {}

  /**
   * Collects in a store.
   *
   * @param store the store
   */
  public Collector(RegistryStore store) {
    this.store = store;
  }

  /**
   * Runs once.
   *
   * @param dryRun whether to only report
   * @param grace how recently touched blobs are spared
   * @return what was (or would be) freed
   */
  @SuppressWarnings("try") // the lock is held for the block, never read
  public Result run(boolean dryRun, Duration grace) throws IOException {
    StorageDriver driver = store.driver();
    try (StorageDriver.Lock lock = driver.lock(true)) {
      Instant cutoff = Instant.now().minus(grace);
      Set<Digest> marked = new HashSet<>();
      List<String> repositories = store.repositories();
      for (String repository : repositories) {
        for (Digest revision : store.revisions(repository)) {
          mark(revision, marked);
        }
      }
      List<Digest> swept = new ArrayList<>();
      long bytes = 0;
      for (String algorithm : driver.list(StorageLayout.BLOBS)) {
        for (String prefix : driver.list(StorageLayout.BLOBS + "/" + algorithm)) {
          for (String encoded : driver.list(StorageLayout.BLOBS + "/" + algorithm + "/" + prefix)) {
            Digest d;
            try {
              d = new Digest(algorithm, encoded);
            } catch (OciFormatException e) {
              continue;
            }
            Optional<StorageDriver.Stat> stat = driver.stat(StorageLayout.blobData(d));
            if (marked.contains(d) || stat.isEmpty() || stat.get().modified().isAfter(cutoff)) {
              continue;
            }
            swept.add(d);
            bytes += stat.get().size();
            if (!dryRun) {
              driver.delete(StorageLayout.blobDir(d));
            }
          }
        }
      }
      if (!dryRun && !swept.isEmpty()) {
        Set<Digest> gone = new HashSet<>(swept);
        for (String repository : repositories) {
          for (Digest link : store.layerLinks(repository)) {
            if (gone.contains(link)) {
              String path = StorageLayout.layerLink(repository, link);
              driver.delete(path.substring(0, path.lastIndexOf('/')));
            }
          }
        }
      }
      return new Result(marked.size(), swept, bytes);
    }
  }

  private void mark(Digest manifest, Set<Digest> marked) throws IOException {
    if (!marked.add(manifest)) {
      return;
    }
    Optional<byte[]> bytes = store.readSmallBlob(manifest);
    if (bytes.isEmpty()) {
      return;
    }
    try {
      switch (RawManifest.from(bytes.get(), "", "manifest " + manifest).manifest()) {
        case ImageManifest m -> {
          marked.add(m.config().digest());
          m.layers().forEach(l -> marked.add(l.digest()));
        }
        case IndexManifest i -> {
          for (Descriptor d : i.manifests()) {
            mark(d.digest(), marked);
          }
        }
      }
    } catch (ManifestInvalidException e) {
      // Stored manifests were valid when written; an unreadable one keeps only itself.
    }
  }
}
