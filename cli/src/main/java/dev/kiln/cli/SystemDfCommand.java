package dev.kiln.cli;

import dev.kiln.oci.Digest;
import dev.kiln.build.BuildEngine;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.store.GarbageCollector;
import dev.kiln.store.GcReport;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln system df}: disk usage of the store. */
@Command(name = "df", description = "Show the store's disk usage and what gc would reclaim.")
public final class SystemDfCommand implements Callable<Integer> {
  @ParentCommand SystemCommand system;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    LayoutImageStore store = system.kiln.store();
    List<TaggedImage> tags = store.list();
    Set<Digest> images = new HashSet<>();
    tags.forEach(t -> images.add(t.descriptor().digest()));
    GcReport usage = new GarbageCollector(store, List.of(BuildEngine.cacheRoots(store)), Clock.systemUTC(), Duration.ZERO,
        Duration.ofSeconds(5)).collect(true);
    long total = usage.bytesKept() + usage.bytesRemoved();
    UnpackedLayers.SweepReport unpacked = SystemGcCommand.sweepUnpacked(spec, store, d -> true, SystemGcCommand.DEFAULT_GRACE, true);
    spec.commandLine().getOut().print(Units.table(List.of(
        List.of("TYPE", "TOTAL", "SIZE", "RECLAIMABLE"),
        List.of("Images", tags.size() + " tags, " + images.size() + " images",
            Units.bytes(usage.bytesKept()), "0B"),
        List.of("Blobs", String.valueOf(usage.blobsKept() + usage.blobsRemoved()), Units.bytes(total),
            Units.bytes(usage.bytesRemoved()) + " (" + usage.blobsRemoved() + " blobs)"),
        List.of("Unpacked layers", String.valueOf(unpacked.kept() + unpacked.removed()),
            Units.bytes(unpacked.bytesKept() + unpacked.bytesRemoved()),
            Units.bytes(unpacked.bytesRemoved()) + " (" + unpacked.removed() + " layers)"))));
    spec.commandLine().getOut().println("Root: " + store.root());
    return 0;
  }
}
