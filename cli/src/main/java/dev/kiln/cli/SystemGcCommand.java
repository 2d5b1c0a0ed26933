package dev.kiln.cli;

import dev.kiln.build.BuildEngine;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Layer;
import dev.kiln.oci.OciException;
import dev.kiln.registry.RegistryConfig;
import dev.kiln.store.GarbageCollector;
import dev.kiln.store.GcReport;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln system gc}: deletes blobs and unpacked layers that nothing refers to. */
@Command(name = "gc", description = "Delete blobs that no tag, container or cache entry refers to, and unpacked "
    + "layers that no tagged image or container uses.")
public final class SystemGcCommand implements Callable<Integer> {
  @ParentCommand SystemCommand system;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Only report what would be deleted.")
  boolean dryRun;

  // The same syntax as 'kiln registry gc --grace'.
  @Option(names = "--grace", paramLabel = "DURATION", description = "Spare unpacked layers unpacked within "
      + "this (default 1h): a pull or build still running may not have tagged its image yet.")
  String grace;

  /** What {@code --grace} defaults to, and what {@code system df} counts as reclaimable with. */
  static final Duration DEFAULT_GRACE = Duration.ofHours(1);

  @Override
  public Integer call() throws Exception {
    // Writers hold the store's gc lock shared until they have tagged, so no grace period is needed;
    // wait a while for them to finish.
    // a bad --grace is refused before anything is deleted
    Duration spare;
    try {
      spare = grace == null ? DEFAULT_GRACE : RegistryConfig.Builder.duration(grace);
    } catch (IllegalArgumentException e) {
      throw new CliException("--grace: " + e.getMessage());
    }
    LayoutImageStore store = system.kiln.store();
    // The build cache's layers are roots too: a later build reuses them.
    GcReport r = new GarbageCollector(store, List.of(BuildEngine.cacheRoots(store)), Clock.systemUTC(),
        Duration.ZERO, Duration.ofSeconds(60)).collect(dryRun);
    spec.commandLine().getOut().println((dryRun ? "Would delete " : "Deleted ") + r.blobsRemoved()
        + " blobs, " + Units.bytes(r.bytesRemoved()) + "; kept " + r.blobsKept() + " blobs, "
        + Units.bytes(r.bytesKept()));
    spec.commandLine().getOut().flush();
    UnpackedLayers.SweepReport u = sweepUnpacked(spec, store, d -> true, spare, dryRun);
    spec.commandLine().getOut().println((dryRun ? "Would delete " : "Deleted ") + u.removed()
        + " unpacked layers, " + Units.bytes(u.bytesRemoved()) + "; kept " + u.kept());
    return 0;
  }

  /** The layers' diffIds of the images TAGS name, as far as the store can read them. */
  static Set<Digest> diffIds(LayoutImageStore store, List<TaggedImage> tags) throws IOException {
    Set<Digest> out = new HashSet<>();
    for (TaggedImage t : tags) {
      try {
        for (Layer l : store.image(t.descriptor()).layers()) {
          out.add(l.diffId());
        }
      } catch (OciException e) {
        // an index with no manifest for this host, or an image whose blobs are gone: none of
        // its layers can be run from here
      }
    }
    return out;
  }

  /**
   * Sweeps the unpacked-layer cache of the layers CANDIDATES accepts: a layer stays while a tagged
   * image has it or a container (of any status) stacks it. The build cache keeps blobs, not
   * unpacked copies: a later build that needs one unpacks it again.
   */
  static UnpackedLayers.SweepReport sweepUnpacked(CommandSpec spec, LayoutImageStore store,
      java.util.function.Predicate<Digest> candidates, Duration grace, boolean dryRun) throws IOException {
    Set<Digest> keep = diffIds(store, store.list());
    UnpackedLayers unpacked = BuildEngine.unpackedLayers(store);
    for (Path dir : ContainerCommands.containers(spec).lowerDirs()) {
      unpacked.diffIdOf(dir).ifPresent(keep::add);
    }
    return unpacked.sweep(d -> keep.contains(d) || !candidates.test(d), grace, dryRun);
  }
}
