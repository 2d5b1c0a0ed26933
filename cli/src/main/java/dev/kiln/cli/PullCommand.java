package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Platform;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PullOptions;
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

  @Option(names = {"-q", "--quiet"}, description = "No progress output.")
  boolean quiet;

  @Parameters(paramLabel = "IMAGE", description = "e.g. busybox, 127.0.0.1:5000/team/app:1")
  String image;

  @Override
  public Integer call() throws Exception {
    Reference ref = Transfers.reference(image);
    var client = registry.client();
    var store = kiln.store();
    Descriptor d;
    try (Progress progress = new Progress(spec.commandLine().getErr(), quiet)) {
      PullOptions options = PullOptions.defaults().withListener(progress)
          .withAllPlatforms(allPlatforms)
          .withPlatform(platform == null ? Platform.host() : Transfers.platform(platform));
      d = Transfers.pull(store, client, ref, options);
    }
    spec.commandLine().getOut().println(d.digest());
    return 0;
  }
}
