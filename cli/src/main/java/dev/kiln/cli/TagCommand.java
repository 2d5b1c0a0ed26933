package dev.kiln.cli;

import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln tag SOURCE TARGET}: gives an image another name. */
@Command(name = "tag", description = "Give an image another name (TARGET is name[:tag]).")
public final class TagCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "Image reference, digest or digest prefix.")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "New reference, e.g. registry:5000/team/app:1.0.")
  String target;

  @Override
  public Integer call() throws Exception {
    Reference ref = Reference.parse(target, Reference.Defaults.DOCKER_HUB);
    if (ref.digest().isPresent()) {
      throw new CliException("cannot tag " + target + ": a tag must not contain a digest");
    }
    LayoutImageStore store = kiln.store();
    store.tag(ref, store.resolve(source));
    return 0;
  }
}
