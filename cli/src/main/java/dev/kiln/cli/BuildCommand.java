package dev.kiln.cli;

import dev.kiln.build.BuildEngine;
import dev.kiln.build.BuildException;
import dev.kiln.build.BuildListener;
import dev.kiln.build.BuildRequest;
import dev.kiln.build.BuildResult;
import dev.kiln.build.Step;
import dev.kiln.build.StepOutcome;
import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.Compression;
import dev.kiln.layer.LayerApplier;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Layer;
import dev.kiln.oci.Platform;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PushOptions;
import dev.kiln.remote.RegistryClient;
import dev.kiln.store.ArchiveFormat;
import dev.kiln.store.Archives;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kiln build}: builds an image from a buildfile with {@link BuildEngine}, renders its
 * progress, then tags, exports or pushes the result. A failed build exits 1 and moves no tag.
 */
@Command(name = "build", description = "Build an image from a buildfile (Dockerfile syntax).")
public final class BuildCommand implements Callable<Integer> {
  /** Exit code of a build whose buildfile or a step failed. */
  static final int EXIT_BUILD_FAILED = 1;

  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The buildfile (default: CONTEXT/Dockerfile).")
  Path file;

  @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Tag the image (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(names = "--target", paramLabel = "STAGE", description = "Build this stage (default: the last).")
  String target;

  @Option(names = "--build-arg", paramLabel = "NAME[=VALUE]", description = "Set a build argument (NAME alone: from this environment).")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--secret", paramLabel = "id=ID,src=FILE", description = "Expose a secret to RUN --mount=type=secret (never stored).")
  List<String> secrets = new ArrayList<>();

  @Option(names = "--network", paramLabel = "MODE", defaultValue = "default", description = "RUN steps' network: default, none or host.")
  String network;

  @Option(names = "--no-cache", description = "Do not use the build cache.")
  boolean noCache;

  @Option(names = "--no-cache-filter", split = ",", paramLabel = "STAGE", description = "Do not use the cache for these stages.")
  List<String> noCacheFilter = new ArrayList<>();

  @Option(names = "--reproducible", description = "Same inputs, same digest: dates from SOURCE_DATE_EPOCH (or 0).")
  boolean reproducible;

  @Option(names = {"-o", "--output"}, paramLabel = "type=TYPE[,dest=PATH]",
      description = "Export: type=oci|docker (dest: a .tar archive or an OCI layout dir), type=local,dest=DIR (the file system).")
  List<String> outputs = new ArrayList<>();

  @Option(names = "--push", description = "Push the tags to their registries.")
  boolean push;

  @Option(names = "--compression", paramLabel = "gzip|zstd", defaultValue = "gzip", description = "Compression of new layers.")
  String compression;

  @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Target platform (default: this host's).")
  String platform;

  @Mixin RegistryOptions registry;

  @Option(names = {"-q", "--quiet"}, description = "Print only the image digest.")
  boolean quiet;

  @Option(names = "--progress", paramLabel = "auto|plain|tty", defaultValue = "auto", description = "Progress style.")
  String progress;

  @Parameters(index = "0", paramLabel = "CONTEXT", description = "The context: a directory, or - for a tar on stdin.")
  String contextArg;

  @Override
  @SuppressWarnings("try") // the lease is held, never read
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LayoutImageStore store = kiln.store();
    List<Reference> refs = new ArrayList<>();
    for (String t : tags) {
      try {
        refs.add(Reference.parse(t, Reference.Defaults.DOCKER_HUB));
      } catch (IllegalArgumentException e) {
        throw new CliException("tag " + t + ": " + e.getMessage());
      }
    }
    if (push && refs.isEmpty()) {
      throw new CliException("--push: give the name to push with -t");
    }
    Path stdinContext = null;
    try {
      Path context;
      if (contextArg.equals("-")) {
        Files.createDirectories(store.root().resolve("build-tmp"));
        stdinContext = Files.createTempDirectory(store.root().resolve("build-tmp"), "stdin-context-");
        new LayerApplier(ApplyOptions.defaults()).apply(System.in, stdinContext);
        context = stdinContext;
      } else {
        context = Path.of(contextArg);
        if (!Files.isDirectory(context)) {
          throw new CliException("context " + contextArg + ": not a directory (give a directory, or - for a tar on stdin)");
        }
      }
      Path buildfile = file == null ? context.resolve("Dockerfile") : stdinContext != null && !file.isAbsolute() ? context.resolve(file) : file;
      if (!Files.isRegularFile(buildfile)) {
        throw new CliException("buildfile " + buildfile + ": not found (use -f FILE)");
      }
      BuildRequest.Builder b = BuildRequest.builder(context, buildfile.getFileName().toString(), Files.readString(buildfile))
          .network(network).noCache(noCache).noCacheFilter(Set.copyOf(noCacheFilter))
          .registry(registry::client);
      if (target != null) {
        b.target(target);
      }
      for (String a : buildArgs) {
        int eq = a.indexOf('=');
        if (eq < 0) {
          String v = System.getenv(a);
          if (v != null) {
            b.buildArg(a, v);
          }
        } else {
          b.buildArg(a.substring(0, eq), a.substring(eq + 1));
        }
      }
      for (String s : secrets) {
        Map<String, String> o = options("secret", s);
        String id = o.get("id");
        String src = o.getOrDefault("src", o.get("source"));
        if (id == null || src == null) {
          throw new CliException("secret " + s + ": expected id=ID,src=FILE");
        }
        if (!Files.isReadable(Path.of(src))) {
          throw new CliException("secret " + id + ": " + src + " is not a readable file");
        }
        b.secret(id, Path.of(src));
      }
      String epoch = System.getenv("SOURCE_DATE_EPOCH");
      if (epoch != null && !epoch.isEmpty()) {
        try {
          b.sourceDateEpoch(Long.parseLong(epoch));
        } catch (NumberFormatException e) {
          throw new CliException("SOURCE_DATE_EPOCH " + epoch + ": expected seconds since 1970");
        }
      } else if (reproducible) {
        b.sourceDateEpoch(0);
      }
      b.compression(switch (compression) {
        case "gzip" -> Compression.GZIP;
        case "zstd" -> Compression.ZSTD;
        default -> throw new CliException("compression " + compression + ": expected gzip or zstd");
      });
      if (platform != null) {
        String[] p = platform.split("/");
        if (p.length < 2) {
          throw new CliException("platform " + platform + ": expected OS/ARCH[/VARIANT]");
        }
        b.platform(Platform.of(p[0], p[1], p.length > 2 ? p[2] : ""));
      }
      BuildRequest request;
      try {
        request = b.build();
      } catch (IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
      for (String o : outputs) {
        checkOutput(options("output", o));
      }
      BuildResult result;
      // The lease keeps the garbage collector off the blobs this build writes until they are tagged.
      try (var lease = store.lease()) {
        try {
          result = new BuildEngine(store).build(request, quiet ? BuildListener.NONE : new Progress(err, tty()));
        } catch (BuildException e) {
          err.println("kiln: build failed: " + e.getMessage());
          if (!e.lastLines().isEmpty()) {
            err.println("last output lines:");
            e.lastLines().forEach(l -> err.println("  " + l));
          }
          err.flush();
          return EXIT_BUILD_FAILED;
        }
        for (Reference r : refs) {
          store.tag(r, result.image());
        }
      }
      Descriptor image = result.image();
      for (String o : outputs) {
        export(store, image, refs, options("output", o));
      }
      if (push) {
        RegistryClient client = registry.client();
        for (Reference r : refs) {
          client.push(store.blobs(), store.rawManifest(image.digest()), r, PushOptions.defaults());
        }
      }
      if (quiet) {
        out.println(image.digest());
      } else {
        long cached = result.steps().stream().filter(s -> s.outcome() == StepOutcome.CACHED).count();
        long ran = result.steps().stream().filter(s -> s.outcome() == StepOutcome.RAN).count();
        err.println("built " + image.digest() + " (" + ran + " ran, " + cached + " cached)"
            + (refs.isEmpty() ? "" : " as " + String.join(", ", tags)));
      }
      return 0;
    } finally {
      if (stdinContext != null) {
        try (Stream<Path> s = Files.walk(stdinContext)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private boolean tty() {
    return switch (progress) {
      case "plain" -> false;
      case "tty" -> true;
      case "auto" -> System.console() != null && System.console().isTerminal();
      default -> throw new CliException("progress " + progress + ": expected auto, plain or tty");
    };
  }

  private static Map<String, String> options(String what, String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new CliException(what + " " + text + ": expected KEY=VALUE[,KEY=VALUE…], got " + part);
      }
      m.put(part.substring(0, eq), part.substring(eq + 1));
    }
    return m;
  }

  private static void checkOutput(Map<String, String> o) {
    String type = o.getOrDefault("type", "");
    if (!List.of("oci", "docker", "local").contains(type)) {
      throw new CliException("output type " + type + ": expected oci, docker or local");
    }
    if (!o.containsKey("dest")) {
      throw new CliException("output type=" + type + ": dest=PATH missing");
    }
  }

  private static void export(LayoutImageStore store, Descriptor image, List<Reference> refs, Map<String, String> o)
      throws IOException {
    Path dest = Path.of(o.get("dest")).toAbsolutePath();
    Reference name = refs.isEmpty() ? Reference.parse("kiln-build:latest", Reference.Defaults.DOCKER_HUB) : refs.getFirst();
    switch (o.get("type")) {
      case "local" -> {
        Files.createDirectories(dest);
        LayerApplier applier = new LayerApplier(ApplyOptions.defaults());
        for (Layer l : store.image(image).layers()) {
          try (InputStream in = l.open()) {
            applier.apply(in, dest);
          }
        }
      }
      case "oci", "docker" -> {
        if (o.get("type").equals("oci") && !dest.toString().endsWith(".tar")) {
          LayoutImageStore layout = LayoutImageStore.open(dest);
          LayoutImage img = store.image(image);
          List<Descriptor> blobs = new ArrayList<>(img.manifest().layers());
          blobs.add(img.manifest().config());
          for (Descriptor d : blobs) {
            try (InputStream in = store.blobs().open(d.digest())) {
              layout.blobs().put(in, d);
            }
          }
          layout.tag(name, layout.putManifest(store.rawManifest(image.digest())));
          return;
        }
        Path tmp = dest.resolveSibling("." + dest.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
          try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            Archives.save(store, List.of(new TaggedImage(name, image)),
                o.get("type").equals("oci") ? ArchiveFormat.OCI : ArchiveFormat.DOCKER, out);
          }
          Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      default -> throw new IllegalStateException(o.get("type"));
    }
  }

  /** Renders progress: one line per step start and end, output lines prefixed by their step number. */
  private static final class Progress implements BuildListener {
    private final PrintWriter err;
    private final boolean tty;
    private final Map<Integer, StringBuilder> partial = new LinkedHashMap<>();

    Progress(PrintWriter err, boolean tty) {
      this.err = err;
      this.tty = tty;
    }

    @Override
    public synchronized void stepStarted(Step step) {
      err.println((tty ? "\033[1m" : "") + step + (tty ? "\033[0m" : ""));
      err.flush();
    }

    @Override
    public synchronized void stepOutput(Step step, byte[] bytes, int length) {
      StringBuilder b = partial.computeIfAbsent(step.number(), k -> new StringBuilder());
      b.append(new String(bytes, 0, length, StandardCharsets.UTF_8));
      int nl;
      while ((nl = b.indexOf("\n")) >= 0) {
        err.println((tty ? "\033[2m" : "") + "#" + step.number() + " " + b.substring(0, nl) + (tty ? "\033[0m" : ""));
        b.delete(0, nl + 1);
      }
      err.flush();
    }

    @Override
    public synchronized void stepFinished(Step step, StepOutcome outcome, Duration elapsed) {
      StringBuilder rest = partial.remove(step.number());
      if (rest != null && !rest.isEmpty()) {
        err.println("#" + step.number() + " " + rest);
      }
      if (outcome != StepOutcome.CONFIG) {
        err.println("[" + step.number() + "/" + step.total() + "] " + (outcome == StepOutcome.CACHED ? "CACHED"
            : String.format(Locale.ROOT, "DONE %.1fs", elapsed.toMillis() / 1000.0)));
      }
      err.flush();
    }

    @Override
    public synchronized void warning(String message) {
      err.println("warning: " + message);
      err.flush();
    }
  }
}
