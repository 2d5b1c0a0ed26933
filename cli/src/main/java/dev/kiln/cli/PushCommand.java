package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.store.TaggedImage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kiln push}: uploads a stored image (or index) to a registry. */
@Command(name = "push", description = "Push an image from the local store to a registry; prints "
    + "the pushed manifest digest. Blobs the registry has are skipped, so a re-run after a failure "
    + "sends only what is missing.")
public final class PushCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Option(names = "--all-tags", description = "Push every local tag of IMAGE's repository.")
  boolean allTags;

  @Option(names = {"-q", "--quiet"}, description = "No progress output.")
  boolean quiet;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "A local image (reference or digest).")
  String image;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEST",
      description = "Where to push (default: IMAGE's own reference).")
  String destination;

  @Override
  public Integer call() throws Exception {
    var store = kiln.store();
    var client = registry.client();
    List<TaggedImage> todo = new ArrayList<>();
    if (allTags) {
      Reference name = Transfers.reference(image);
      Reference dest = destination == null ? name : Transfers.reference(destination);
      for (TaggedImage t : store.list()) {
        if (t.reference().name().equals(name.name())) {
          todo.add(new TaggedImage(dest.withTag(t.reference().tag().orElseThrow()), t.descriptor()));
        }
      }
      if (todo.isEmpty()) {
        throw new CliException("no local tags of " + name.name() + " to push");
      }
    } else {
      Descriptor d = store.resolve(image);
      if (destination == null && dev.kiln.oci.Digest.isValid(image)) {
        throw new CliException("pushing " + image + " needs a DEST: a digest names no repository");
      }
      todo.add(new TaggedImage(Transfers.reference(destination == null ? image : destination), d));
    }
    PrintWriter out = spec.commandLine().getOut();
    for (TaggedImage t : todo) {
      RawManifest raw = store.rawManifest(t.descriptor().digest());
      Digest pushed;
      try (Progress progress = new Progress(spec.commandLine().getErr(), quiet)) {
        pushed = Transfers.push(store, client, raw, t.reference(), progress);
      }
      out.println(todo.size() > 1 ? t.reference() + " " + pushed : pushed.toString());
    }
    return 0;
  }
}
