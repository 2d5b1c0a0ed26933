package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PullOptions;
import dev.kiln.remote.PullResult;
import dev.kiln.remote.RegistryClient;
import dev.kiln.store.ArchiveFormat;
import dev.kiln.store.Archives;
import dev.kiln.store.BlobStore;
import dev.kiln.store.FileBlobStore;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kiln copy}: copies an image between a registry ({@code docker://REF}), an OCI layout
 * directory ({@code oci:DIR[:TAG]}), archives ({@code docker-archive:FILE[:REF]},
 * {@code oci-archive:FILE[:REF]}) and the local store ({@code kiln:REF}), as skopeo copy does.
 * Blobs are verified on the way; the destination gets nothing half-written.
 */
@Command(name = "copy", description = "Copy an image between registries (docker://REF), OCI layouts "
    + "(oci:DIR[:TAG]), archives (docker-archive:FILE[:REF], oci-archive:FILE[:REF]) and the local "
    + "store (kiln:REF).")
public final class CopyCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Option(names = "--all-platforms", description = "Copy every platform of a multi-platform image.")
  boolean allPlatforms;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform to pick from a multi-platform image (default: this host's).")
  String platform;

  @Option(names = {"-q", "--quiet"}, description = "No progress output.")
  boolean quiet;

  @Parameters(index = "0", paramLabel = "SRC") String source;
  @Parameters(index = "1", paramLabel = "DEST") String destination;

  /** Where an image is. */
  sealed interface Location permits Registry, Layout, Archive, Local {}

  record Registry(Reference ref) implements Location {}

  record Layout(Path dir, Optional<String> tag) implements Location {}

  record Archive(Path file, ArchiveFormat format, Optional<Reference> ref) implements Location {}

  record Local(Reference ref) implements Location {}

  /** An image ready to be written: its blobs and root manifest. */
  private record Staged(BlobStore blobs, RawManifest manifest, Optional<Reference> name) {}

  static Location parse(String text) {
    int colon = text.indexOf(':');
    String transport = colon < 0 ? "" : text.substring(0, colon);
    String rest = colon < 0 ? text : text.substring(colon + 1);
    return switch (transport) {
      case "docker" -> {
        if (!rest.startsWith("//")) {
          throw new CliException("invalid location '" + text + "': use docker://HOST/REPO:TAG");
        }
        yield new Registry(Transfers.reference(rest.substring(2)));
      }
      case "oci" -> {
        int c = rest.lastIndexOf(':');
        yield c < 0 ? new Layout(Path.of(rest), Optional.empty())
            : new Layout(Path.of(rest.substring(0, c)), Optional.of(rest.substring(c + 1)));
      }
      case "docker-archive", "oci-archive" -> {
        ArchiveFormat f = transport.equals("oci-archive") ? ArchiveFormat.OCI : ArchiveFormat.DOCKER;
        int c = rest.indexOf(':');
        yield c < 0 ? new Archive(Path.of(rest), f, Optional.empty())
            : new Archive(Path.of(rest.substring(0, c)), f,
                Optional.of(Transfers.reference(rest.substring(c + 1))));
      }
      case "kiln" -> new Local(Transfers.reference(rest));
      default -> throw new CliException("unknown location '" + text + "': use docker://REF, "
          + "oci:DIR[:TAG], docker-archive:FILE[:REF], oci-archive:FILE[:REF] or kiln:REF");
    };
  }

  @Override
  public Integer call() throws Exception {
    Location from = parse(source);
    Location to = parse(destination);
    LayoutImageStore store = kiln.store();
    Path scratch = null;
    try (var _ = store.lease(); Progress progress = new Progress(spec.commandLine().getErr(), quiet)) {
      RegistryClient client = from instanceof Registry || to instanceof Registry ? registry.client() : null;
      Staged staged;
      switch (from) {
        case Registry r -> {
          // Pull straight into the blob store the destination will use.
          BlobStore target = to instanceof Layout l ? new FileBlobStore(l.dir()) : store.blobs();
          PullOptions options = PullOptions.defaults().withListener(progress)
              .withAllPlatforms(allPlatforms)
              .withPlatform(platform == null ? Platform.host() : Transfers.platform(platform));
          PullResult pulled = client.pull(r.ref(), target, options);
          staged = new Staged(target, pulled.manifest(), Optional.of(r.ref()));
        }
        case Layout l -> staged = readLayout(l);
        case Archive a -> {
          scratch = store.root().resolve("tmp").resolve("copy-" + UUID.randomUUID());
          LayoutImageStore temp = LayoutImageStore.open(scratch);
          Archives.Loaded loaded;
          try (InputStream in = Files.newInputStream(a.file())) {
            loaded = Archives.load(temp, in, a.file().toString());
          } catch (NoSuchFileException e) {
            throw new CliException("archive " + a.file() + " does not exist");
          }
          TaggedImage pick = pickFromArchive(a, loaded);
          staged = new Staged(temp.blobs(), temp.rawManifest(pick.descriptor().digest()),
              Optional.of(pick.reference()));
        }
        case Local l -> staged = new Staged(store.blobs(),
            store.rawManifest(store.resolve(l.ref().toString()).digest()), Optional.of(l.ref()));
      }
      String digest = write(staged, to, store, client, progress).toString();
      spec.commandLine().getOut().println(digest);
    } finally {
      if (scratch != null) {
        deleteTree(scratch);
      }
    }
    return 0;
  }

  private static TaggedImage pickFromArchive(Archive a, Archives.Loaded loaded) {
    List<TaggedImage> tags = loaded.tags();
    if (a.ref().isPresent()) {
      return tags.stream().filter(t -> t.reference().equals(a.ref().get())).findFirst()
          .orElseThrow(() -> new CliException("archive " + a.file() + " has no image " + a.ref().get()));
    }
    if (tags.size() == 1) {
      return tags.get(0);
    }
    if (tags.isEmpty() && loaded.untagged().size() == 1) {
      return new TaggedImage(Transfers.reference("untagged:latest"), loaded.untagged().get(0));
    }
    throw new CliException("archive " + a.file() + " holds " + (tags.size() + loaded.untagged().size())
        + " images: name one as " + a.format().name().toLowerCase(java.util.Locale.ROOT)
        + "-archive:FILE:REF");
  }

  private Object write(Staged staged, Location to, LayoutImageStore store, RegistryClient client,
      Progress progress) throws IOException {
    switch (to) {
      case Registry r -> {
        List<String> mountFrom = staged.name().filter(n -> n.registry().equals(r.ref().registry()))
            .map(n -> List.of(n.repository())).orElse(List.of());
        return client.push(staged.blobs(), staged.manifest(), r.ref(),
            new dev.kiln.remote.PushOptions(mountFrom, progress));
      }
      case Layout l -> {
        FileBlobStore blobs = new FileBlobStore(l.dir());
        Transfers.copyTree(staged.blobs(), blobs, staged.manifest());
        writeLayoutIndex(l, staged.manifest());
        return staged.manifest().digest();
      }
      case Archive a -> {
        Reference name = a.ref().or(staged::name).orElseThrow(() -> new CliException(
            "name the image in the archive: " + destination + ":REF"));
        Transfers.copyTree(staged.blobs(), store.blobs(), staged.manifest());
        Path target = a.file().toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
          try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            Archives.save(store, List.of(new TaggedImage(name, staged.manifest().descriptor())),
                a.format(), out);
          }
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
        return staged.manifest().digest();
      }
      case Local l -> {
        Transfers.copyTree(staged.blobs(), store.blobs(), staged.manifest());
        Descriptor d = store.putManifest(staged.manifest());
        store.tag(l.ref(), d);
        return d.digest();
      }
    }
  }

  private static Staged readLayout(Layout l) throws IOException {
    IndexManifest index = layoutIndex(l.dir());
    List<Descriptor> matches = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      String name = d.annotations().getOrDefault(Descriptor.REF_NAME, "");
      if (l.tag().isEmpty() || l.tag().get().equals(name)) {
        matches.add(d);
      }
    }
    if (matches.size() != 1) {
      throw new CliException("OCI layout " + l.dir() + (matches.isEmpty()
          ? " has no image" + l.tag().map(t -> " tagged " + t).orElse("")
          : " holds " + matches.size() + " images: name one as oci:DIR:TAG"));
    }
    FileBlobStore blobs = new FileBlobStore(l.dir());
    Descriptor d = matches.get(0);
    RawManifest raw = RawManifest.from(blobs.readAll(d.digest(), RawManifest.MAX_BYTES),
        d.mediaType(), "manifest " + d.digest() + " in " + l.dir());
    return new Staged(blobs, raw, Optional.empty());
  }

  private static IndexManifest layoutIndex(Path dir) throws IOException {
    Path file = dir.resolve("index.json");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return IndexManifest.of(List.of());
    }
    if (RawManifest.from(bytes, MediaTypes.OCI_INDEX, file.toString()).manifest() instanceof IndexManifest ix) {
      return ix;
    }
    throw new CliException(file + " is not an OCI image index");
  }

  private static void writeLayoutIndex(Layout l, RawManifest manifest) throws IOException {
    Path layout = l.dir().resolve("oci-layout");
    if (!Files.exists(layout)) {
      Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
    }
    IndexManifest index = layoutIndex(l.dir());
    List<Descriptor> entries = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      String name = d.annotations().getOrDefault(Descriptor.REF_NAME, "");
      if (l.tag().isEmpty() ? !d.digest().equals(manifest.digest()) : !l.tag().get().equals(name)) {
        entries.add(d);
      }
    }
    Descriptor entry = manifest.descriptor();
    if (l.tag().isPresent()) {
      entry = entry.withAnnotations(Map.of(Descriptor.REF_NAME, l.tag().get()));
    }
    entries.add(entry);
    Path tmp = l.dir().resolve(".index.json.tmp-" + UUID.randomUUID());
    try {
      Files.write(tmp, index.withManifests(entries).toRaw().bytes());
      Files.move(tmp, l.dir().resolve("index.json"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
