package dev.kiln.cli;

import dev.kiln.build.BuildEngine;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Reference;
import dev.kiln.store.GarbageCollector;
import dev.kiln.store.GcReport;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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
    List<TaggedImage> selected = new ArrayList<>();
    for (String text : images) {
      selected.addAll(KilnCommand.selectTags(store, text));
    }
    selected.forEach(t -> untag.add(t.reference()));
    Set<Digest> layers = SystemGcCommand.diffIds(store, selected);
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
    // Their unpacked layers too, now, as docker rmi does: those no other image or container uses.
    try {
      UnpackedLayers.SweepReport u = SystemGcCommand.sweepUnpacked(spec, store, layers::contains, Duration.ZERO, false);
      if (u.removed() > 0) {
        out.println("Deleted: " + u.removed() + " unpacked layers, " + Units.bytes(u.bytesRemoved()));
      }
    } catch (IOException e) {
      out.println("Deleted: 0 unpacked layers (" + e.getMessage() + "; run 'kiln system gc' later)");
    }
    return 0;
  }
}
