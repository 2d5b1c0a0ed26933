package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level {@code kiln} command: global options; every verb is a subcommand. */
@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.class,
    description = "Build, store, ship and run container images.")
public final class KilnCommand {
  /**
   * Every verb, in the order help lists them. Building picocli's model of all of them costs more
   * than a whole command's run (reflection over every option of every verb), so Main adds only the
   * verb a command line names, and all of them only for help and unknown verbs.
   */
  static final List<Class<?>> VERBS = List.of(
      VersionCommand.class,
      ImagesCommand.class,
      InspectCommand.class,
      TagCommand.class,
      RmiCommand.class,
      SaveCommand.class,
      LoadCommand.class,
      SystemCommand.class,
      BuildfileCommand.class,
      RunCommand.class,
      PsCommand.class,
      LogsCommand.class,
      StopCommand.class,
      KillCommand.class,
      RmCommand.class,
      ExecCommand.class,
      StatsCommand.class,
      VolumeCommand.class,
      RegistryCommand.class,
      ImportCommand.class,
      PullCommand.class,
      PushCommand.class,
      CopyCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      ManifestCommand.class,
      BuildCommand.class);

  @Option(names = "--root", paramLabel = "DIR",
      description = "Store root (an OCI image layout). Default: $KILN_ROOT, else /var/lib/kiln "
          + "as root, else $XDG_DATA_HOME/kiln (~/.local/share/kiln).")
  Path root;

  @Option(names = "--debug", scope = ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean debug;

  /** Returns the store root: --root, else KILN_ROOT, else the system or per-user default. */
  Path root() {
    if (root != null) {
      return root;
    }
    String env = System.getenv("KILN_ROOT");
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    if (isRoot()) {
      return Path.of("/var/lib/kiln");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path data = xdg != null && !xdg.isEmpty() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".local", "share");
    return data.resolve("kiln");
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Returns the tags a user's text selects: the tag itself when the text names one, else every
   * tag of the image it resolves to (a digest or digest prefix).
   *
   * @throws dev.kiln.oci.ManifestUnknownException when nothing matches
   */
  static List<TaggedImage> selectTags(LayoutImageStore store, String text) throws IOException {
    Descriptor d = store.resolve(text);
    List<TaggedImage> tags = store.list();
    if (!Digest.isValid(text)) {
      try {
        Reference named = Reference.parse(text, Reference.Defaults.DOCKER_HUB);
        List<TaggedImage> exact = tags.stream().filter(t -> t.reference().equals(named)).toList();
        if (!exact.isEmpty()) {
          return exact;
        }
      } catch (OciFormatException e) {
        // Not a reference: a digest prefix, resolved above.
      }
    }
    return tags.stream().filter(t -> t.descriptor().digest().equals(d.digest())).toList();
  }

  /**
   * Returns the top-level command of the command line SPEC belongs to, however deep it is nested.
   *
   * @param spec any command's spec
   * @return the parsed {@code kiln} command, holding the global options
   */
  static KilnCommand of(CommandSpec spec) {
    return (KilnCommand) spec.root().userObject();
  }

  /** Opens the local image store at {@link #root()}. */
  LayoutImageStore store() throws IOException {
    return LayoutImageStore.open(root());
  }
}
