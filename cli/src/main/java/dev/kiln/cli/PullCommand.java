package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Platform;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PullOptions;
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

/** {@code kiln pull}: fetches an image from a registry into the local store. */
@Command(name = "pull", description = "Pull an image from a registry into the local store; "
    + "prints the manifest digest.")
public final class PullCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from a multi-platform image (default: this host's).")
  String platform;

  @Option(names = "--all-platforms", description = "Pull every platform of a multi-platform image.")
  boolean allPlatforms;

  @Option(names = {"-a", "--all-tags"}, description = "Pull every tag of IMAGE's repository "
      + "(IMAGE without a tag); prints each tag with its digest.")
  boolean allTags;

  @Option(names = {"-q", "--quiet"}, description = "No progress output.")
  boolean quiet;

  @Parameters(paramLabel = "IMAGE", description = "e.g. busybox, 127.0.0.1:5000/team/app:1")
  String image;

  @Override
  public Integer call() throws Exception {
    Reference ref = Transfers.reference(image);
    String last = image.substring(image.lastIndexOf('/') + 1);
    if (allTags && (last.contains(":") || last.contains("@"))) {
      throw new CliException("--all-tags pulls every tag of a repository: give " + ref.name()
          + " without a tag or digest");
    }
    var client = registry.client();
    var store = kiln.store();
    List<Reference> refs = new ArrayList<>();
    if (allTags) {
      for (String tag : client.tags(ref.registry(), ref.repository())) {
        refs.add(ref.withTag(tag));
      }
      if (refs.isEmpty()) {
        throw new CliException("repository " + ref.name() + " has no tags");
      }
    } else {
      refs.add(ref);
    }
    PrintWriter out = spec.commandLine().getOut();
    for (Reference r : refs) {
      Descriptor d;
      try (Progress progress = new Progress(spec.commandLine().getErr(), quiet)) {
        PullOptions options = PullOptions.defaults().withListener(progress)
            .withAllPlatforms(allPlatforms)
            .withPlatform(platform == null ? Platform.host() : Transfers.platform(platform));
        d = Transfers.pull(store, client, r, options);
      }
      out.println(allTags ? r.tag().orElseThrow() + " " + d.digest() : d.digest().toString());
    }
    return 0;
  }
}
