package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.store.Archives;
import dev.kiln.store.TaggedImage;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln load}: loads images from a docker-archive or OCI archive (format detected). */
@Command(name = "load", description = "Load images from a tar archive (docker-archive or oci-archive, "
    + "optionally gzip/zstd compressed).")
public final class LoadCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Read FILE instead of stdin.")
  Path input;

  @Override
  public Integer call() throws Exception {
    var store = kiln.store();
    Archives.Loaded loaded;
    if (input == null) {
      if (System.console() != null && System.console().isTerminal()) {
        throw new CliException("no archive given: use -i FILE or pipe one into stdin");
      }
      loaded = Archives.load(store, new BufferedInputStream(new FileInputStream(FileDescriptor.in)), "stdin");
    } else {
      try (InputStream in = Files.newInputStream(input)) {
        loaded = Archives.load(store, in, input.toString());
      } catch (NoSuchFileException e) {
        throw new CliException("archive " + input + " does not exist");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (TaggedImage t : loaded.tags()) {
      out.println("Loaded image: " + t.reference());
    }
    for (Descriptor d : loaded.untagged()) {
      out.println("Loaded image (untagged): " + d.digest());
    }
    return 0;
  }
}
