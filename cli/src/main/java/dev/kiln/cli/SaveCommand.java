package dev.kiln.cli;

import dev.kiln.store.ArchiveFormat;
import dev.kiln.store.Archives;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kiln save}: writes images to a docker-archive or OCI archive tar. */
@Command(name = "save", description = "Save images to a tar archive (docker-archive or oci-archive).")
public final class SaveCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write to FILE (atomically) instead of stdout.")
  Path output;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "docker-archive",
      description = "docker-archive (default; what docker/podman load read) or oci-archive.")
  String format;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to save (references).")
  List<String> images;

  @Override
  public Integer call() throws Exception {
    ArchiveFormat f = switch (format) {
      case "docker-archive", "docker" -> ArchiveFormat.DOCKER;
      case "oci-archive", "oci" -> ArchiveFormat.OCI;
      default -> throw new CliException("unknown archive format '" + format
          + "': use docker-archive or oci-archive");
    };
    LayoutImageStore store = kiln.store();
    List<TaggedImage> selected = new ArrayList<>();
    for (String text : images) {
      List<TaggedImage> tags = KilnCommand.selectTags(store, text);
      if (tags.isEmpty()) {
        throw new CliException("image " + text + " has no tag to save it under: tag it first");
      }
      selected.addAll(tags);
    }
    if (output == null) {
      if (System.console() != null && System.console().isTerminal()) {
        throw new CliException("refusing to write an archive to a terminal: use -o FILE or redirect stdout");
      }
      OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
      Archives.save(store, selected, f, stdout);
      stdout.flush();
      return 0;
    }
    // Write beside the target and rename, so a failed save leaves no partial archive.
    Path target = output.toAbsolutePath();
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        Archives.save(store, selected, f, out);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return 0;
  }
}
