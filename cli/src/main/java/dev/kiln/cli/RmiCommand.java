package dev.kiln.cli;

import dev.kiln.oci.Reference;
import dev.kiln.build.BuildEngine;
import dev.kiln.store.GarbageCollector;
import dev.kiln.store.GcReport;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kiln rmi IMAGE…}: removes tags (a digest removes every tag of that image), then frees the
 * blobs nothing refers to any more.
 */
@Command(name = "rmi", description = "Remove images: untag them and free blobs nothing else uses.")
public final class RmiCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Reference, digest or digest prefix.")
  List<String> images;

  @Override
  public Integer call() throws Exception {
    LayoutImageStore store = kiln.store();
    PrintWriter out = spec.commandLine().getOut();
    // Resolve everything first, so a bad name removes nothing.
    List<Reference> untag = new ArrayList<>();
    for (String text : images) {
      KilnCommand.selectTags(store, text).forEach(t -> untag.add(t.reference()));
    }
    for (Reference r : untag) {
      if (store.untag(r)) {
        out.println("Untagged: " + r);
      }
    }
    try {
      GcReport report = new GarbageCollector(store, List.of(BuildEngine.cacheRoots(store)), Clock.systemUTC(), Duration.ZERO,
          Duration.ofSeconds(5)).collect(false);
      out.println("Deleted: " + report.blobsRemoved() + " blobs, " + Units.bytes(report.bytesRemoved()));
    } catch (IOException busy) {
      // A writer holds the store; its blobs are not ours to judge now.
      out.println("Deleted: 0 blobs (store busy; run 'kiln system gc' later)");
    }
    return 0;
  }
}
