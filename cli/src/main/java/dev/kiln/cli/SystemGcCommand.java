package dev.kiln.cli;

import dev.kiln.build.BuildEngine;
import dev.kiln.store.GarbageCollector;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.GcReport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln system gc}: deletes blobs no tag (or other root) refers to. */
@Command(name = "gc", description = "Delete blobs that no tag, container or cache entry refers to.")
public final class SystemGcCommand implements Callable<Integer> {
  @ParentCommand SystemCommand system;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Only report what would be deleted.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    // Writers hold the store's gc lock shared until they have tagged, so no grace period is needed;
    // wait a while for them to finish.
    LayoutImageStore store = system.kiln.store();
    // The build cache's layers are roots too: a later build reuses them.
    GcReport r = new GarbageCollector(store, List.of(BuildEngine.cacheRoots(store)), Clock.systemUTC(),
        Duration.ZERO, Duration.ofSeconds(60)).collect(dryRun);
    spec.commandLine().getOut().println((dryRun ? "Would delete " : "Deleted ") + r.blobsRemoved()
        + " blobs, " + Units.bytes(r.bytesRemoved()) + "; kept " + r.blobsKept() + " blobs, "
        + Units.bytes(r.bytesKept()));
    return 0;
  }
}
