package dev.kiln.build;

import dev.kiln.build.internal.BuildCache;
import dev.kiln.build.internal.ContextFiles;
import dev.kiln.build.internal.StoreLayer;
import dev.kiln.buildfile.Add;
import dev.kiln.buildfile.Arg;
import dev.kiln.buildfile.Buildfile;
import dev.kiln.buildfile.BuildfileException;
import dev.kiln.buildfile.Cmd;
import dev.kiln.buildfile.CommandForm;
import dev.kiln.buildfile.Copy;
import dev.kiln.buildfile.Entrypoint;
import dev.kiln.buildfile.Env;
import dev.kiln.buildfile.Expansions;
import dev.kiln.buildfile.Expose;
import dev.kiln.buildfile.From;
import dev.kiln.buildfile.Healthcheck;
import dev.kiln.buildfile.IgnorePatterns;
import dev.kiln.buildfile.Instruction;
import dev.kiln.buildfile.KeyValue;
import dev.kiln.buildfile.Label;
import dev.kiln.buildfile.Maintainer;
import dev.kiln.buildfile.Onbuild;
import dev.kiln.buildfile.ParseResult;
import dev.kiln.buildfile.Run;
import dev.kiln.buildfile.Shell;
import dev.kiln.buildfile.ShellWords;
import dev.kiln.buildfile.Stage;
import dev.kiln.buildfile.StopSignal;
import dev.kiln.buildfile.User;
import dev.kiln.buildfile.Volume;
import dev.kiln.buildfile.Workdir;
import dev.kiln.buildfile.ast.Heredoc;
import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.LayerApplier;
import dev.kiln.layer.LayerOptions;
import dev.kiln.layer.LayerSource;
import dev.kiln.layer.LayerWriter;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.layer.WrittenLayer;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Layer;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PullOptions;
import dev.kiln.remote.PullResult;
import dev.kiln.remote.RegistryClient;
import dev.kiln.runtime.Container;
import dev.kiln.runtime.ContainerUser;
import dev.kiln.runtime.Containers;
import dev.kiln.runtime.Mount;
import dev.kiln.runtime.NetworkMode;
import dev.kiln.runtime.OciRuntime;
import dev.kiln.runtime.RunSpec;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** One build: the parsed buildfile, the stage graph, and the steps of every stage it needs. */
final class BuildSession {
  private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
  /** Where the runtime mounts over the root file system: never part of a RUN layer. */
  private static final List<String> RUNTIME_MOUNTS =
      List.of("/proc", "/dev", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf");
  private static final int LAST_LINES = 20;

  private final LayoutImageStore store;
  private final Containers containers;
  private final UnpackedLayers unpacked;
  private final BuildCache cache;
  private final BuildRequest request;
  private final BuildListener listener;
  private final Clock clock = Clock.systemUTC();
  private final Path tmp;
  private final AtomicInteger tmpCounter = new AtomicInteger();
  private final Map<Instruction, Step> steps = new HashMap<>();
  private final List<StepRecord> records = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, CompletableFuture<StageResult>> futures = new ConcurrentHashMap<>();
  private final Map<String, Path> rootfsCache = new HashMap<>();
  private final List<Path> mounts = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> usedArgs = ConcurrentHashMap.newKeySet();
  private final Map<String, String> metaArgs = new LinkedHashMap<>();
  private ParseResult parsed;
  private volatile ContextFiles context;
  private volatile RegistryClient client;

  /** A stage's result: its image state and the cache key of its last step. */
  record StageResult(ImageConfig config, List<StoreLayer> layers, String key) {}

  BuildSession(LayoutImageStore store, Containers containers, UnpackedLayers unpacked, BuildCache cache,
      BuildRequest request, BuildListener listener) {
    this.store = store;
    this.containers = containers;
    this.unpacked = unpacked;
    this.cache = cache;
    this.request = request;
    this.listener = listener;
    this.tmp = store.root().resolve("build-tmp");
  }

  BuildResult run() throws BuildException, InterruptedException {
    try {
      parsed = Buildfile.parse(request.buildfileName(), request.buildfileText());
    } catch (BuildfileException e) {
      throw new BuildException(e.getMessage(), Optional.empty(), e);
    }
    if (parsed.stages().isEmpty()) {
      throw new BuildException(request.buildfileName() + ": no FROM instruction", Optional.empty(), null);
    }
    Platform p = request.platform();
    String platform = p.os() + "/" + p.architecture() + (p.variant().isEmpty() ? "" : "/" + p.variant());
    for (String prefix : List.of("TARGET", "BUILD")) {
      metaArgs.put(prefix + "PLATFORM", platform);
      metaArgs.put(prefix + "OS", p.os());
      metaArgs.put(prefix + "ARCH", p.architecture());
      metaArgs.put(prefix + "VARIANT", p.variant());
    }
    for (Arg a : parsed.globalArgs()) {
      Arg expanded = (Arg) expand(a, metaArgs, Optional.empty());
      for (Arg.Definition d : expanded.definitions()) {
        usedArgs.add(d.name());
        metaArgs.put(d.name(), Optional.ofNullable(request.buildArgs().get(d.name())).orElse(d.defaultValue()));
      }
    }
    Stage target = request.target().isPresent()
        ? parsed.stage(request.target().get(), parsed.stages().size()).orElseThrow(() -> new BuildException(
            request.buildfileName() + ": target stage " + request.target().get() + " not found", Optional.empty(), null))
        : parsed.stages().getLast();
    TreeSet<Integer> needed = new TreeSet<>();
    collect(target, needed);
    int total = 0;
    for (int i : needed) {
      total += 1 + parsed.stages().get(i).instructions().size();
    }
    int n = 0;
    for (int i : needed) {
      Stage s = parsed.stages().get(i);
      steps.put(s.from(), new Step(++n, total, stageName(s), text(s.from()), s.from().range().startLine()));
      for (Instruction in : s.instructions()) {
        steps.put(in, new Step(++n, total, stageName(s), text(in), in.range().startLine()));
      }
    }
    try {
      Files.createDirectories(tmp);
      Path mine = Files.createTempDirectory(tmp, "build-");
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i : needed) {
          futures.put(i, new CompletableFuture<>());
        }
        for (int i : needed) {
          Stage s = parsed.stages().get(i);
          pool.submit(() -> {
            try {
              futures.get(s.index()).complete(buildStage(s, mine));
            } catch (Throwable t) {
              futures.get(s.index()).completeExceptionally(t);
            }
          });
        }
        StageResult result = await(target);
        for (int i : needed) {
          futures.get(i).exceptionally(t -> null).join();
        }
        Descriptor image = writeImage(result);
        if (context != null) {
          context.save();
        }
        for (String name : request.buildArgs().keySet()) {
          if (!usedArgs.contains(name)) {
            listener.warning("build argument " + name + " was not consumed by any ARG");
          }
        }
        List<StepRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingInt(r -> r.step().number()));
        return new BuildResult(image, sorted);
      } finally {
        for (Path m : mounts) {
          command("umount", m.toString());
        }
        deleteTree(mine);
      }
    } catch (IOException e) {
      throw new BuildException("build: " + e.getMessage(), Optional.empty(), e);
    }
  }

  private void collect(Stage s, Set<Integer> needed) throws BuildException {
    if (!needed.add(s.index())) {
      return;
    }
    List<String> refs = new ArrayList<>();
    refs.add(expand(s.from(), metaArgs, Optional.empty()) instanceof From f ? f.image() : s.from().image());
    for (Instruction in : s.instructions()) {
      switch (in) {
        case Copy c -> refs.add(c.from());
        case Run r -> {
          for (String m : r.mounts()) {
            String from = mountOptions(m).getOrDefault("from", "");
            refs.add(from);
          }
        }
        default -> {}
      }
    }
    for (String ref : refs) {
      if (!ref.isEmpty()) {
        Optional<Stage> dep = parsed.stage(ShellWords.word(ref, metaArgs), s.index());
        if (dep.isPresent()) {
          collect(dep.get(), needed);
        }
      }
    }
  }

  private StageResult await(Stage s) throws BuildException, InterruptedException {
    try {
      return futures.get(s.index()).get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      if (c instanceof BuildException be) {
        throw be;
      }
      throw new BuildException("stage " + stageName(s) + ": " + c, Optional.empty(), c);
    }
  }

  private static String stageName(Stage s) {
    return s.name().orElse(Integer.toString(s.index()));
  }

  /** The instruction as written (continuations joined; heredoc bodies left out). */
  private String text(Instruction in) {
    if (!in.range().file().equals(request.buildfileName())) {
      return "ONBUILD " + in.keyword();
    }
    String[] lines = request.buildfileText().split("\n", -1);
    StringBuilder b = new StringBuilder();
    char escape = parsed.escape();
    for (int i = in.range().startLine() - 1; i < Math.min(lines.length, in.range().endLine()); i++) {
      String line = lines[i].strip();
      boolean more = line.endsWith(String.valueOf(escape));
      if (more) {
        line = line.substring(0, line.length() - 1).strip();
      }
      if (!line.startsWith("#")) {
        b.append(b.isEmpty() ? "" : " ").append(line);
      }
      if (!more) {
        break;
      }
    }
    return b.toString();
  }

  private Instruction expand(Instruction in, Map<String, String> env, Optional<Step> step) throws BuildException {
    try {
      return Expansions.apply(in, env, parsed.escape());
    } catch (BuildfileException e) {
      throw new BuildException(e.getMessage(), step, e);
    }
  }

  // ---------------------------------------------------------------- stages

  /** The mutable state of one stage while its steps run (one thread). */
  private final class State {
    final Stage stage;
    final Path scratch;
    ImageConfig base;
    String user;
    String workdir;
    final Map<String, String> env = new LinkedHashMap<>();
    final Map<String, String> args = new LinkedHashMap<>();
    List<String> entrypoint;
    List<String> cmd;
    List<String> shell;
    final List<String> onBuild = new ArrayList<>();
    final Map<String, String> labels = new TreeMap<>();
    final Set<String> exposed = new TreeSet<>();
    final Set<String> volumes = new TreeSet<>();
    String stopSignal;
    Optional<ImageConfig.Healthcheck> healthcheck;
    String author;
    boolean cmdSetHere;
    final List<StoreLayer> layers = new ArrayList<>();
    final List<ImageConfig.History> history = new ArrayList<>();
    String key;

    State(Stage stage, Path scratch) {
      this.stage = stage;
      this.scratch = scratch;
    }

    void from(ImageConfig config, List<StoreLayer> baseLayers, String baseKey) {
      base = config;
      ImageConfig.ContainerConfig c = config.config();
      user = c.user();
      workdir = c.workingDir();
      for (String e : c.env()) {
        int eq = e.indexOf('=');
        env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
      }
      entrypoint = c.entrypoint();
      cmd = c.cmd();
      shell = c.shell();
      labels.putAll(c.labels());
      exposed.addAll(c.exposedPorts());
      volumes.addAll(c.volumes());
      stopSignal = c.stopSignal();
      healthcheck = c.healthcheck();
      author = config.author();
      layers.addAll(baseLayers);
      history.addAll(config.history());
      key = baseKey;
    }

    /** ARG values below ENV: what expansion and RUN see. */
    Map<String, String> expansionEnv() {
      Map<String, String> m = new HashMap<>(args);
      m.putAll(env);
      return m;
    }

    List<String> shellOrDefault() {
      return shell.isEmpty() ? DEFAULT_SHELL : shell;
    }

    StageResult result() {
      ImageConfig.ContainerConfig c = new ImageConfig.ContainerConfig(user, List.copyOf(exposed),
          env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(), entrypoint, cmd,
          List.copyOf(volumes), workdir, labels, stopSignal, false, healthcheck, shell, onBuild);
      ImageConfig config = base.withConfig(c)
          .withLayers(new ImageConfig.RootFs("layers", layers.stream().map(StoreLayer::diffId).toList()), history);
      if (!author.equals(config.author())) {
        config = new ImageConfig(config.created(), author, config.architecture(), config.os(), config.osVersion(),
            config.osFeatures(), config.variant(), config.config(), config.rootfs(), config.history());
      }
      return new StageResult(config, List.copyOf(layers), key);
    }
  }

  private StageResult buildStage(Stage s, Path scratchRoot) throws Exception {
    State st = new State(s, Files.createTempDirectory(scratchRoot, "stage-" + s.index() + "-"));
    Step fromStep = steps.get(s.from());
    listener.stepStarted(fromStep);
    long t0 = System.nanoTime();
    From from = (From) expand(s.from(), metaArgs, Optional.of(fromStep));
    Optional<Stage> parent = parsed.stage(from.image(), s.index());
    if (parent.isPresent()) {
      StageResult r = await(parent.get());
      st.from(r.config(), r.layers(), r.key());
    } else if (from.image().equals("scratch")) {
      st.from(ImageConfig.of(request.platform()), List.of(), "scratch");
    } else {
      LayoutImage image = resolveImage(from.image(), from.platform(), fromStep);
      List<StoreLayer> layers = new ArrayList<>();
      for (Layer l : image.layers()) {
        layers.add(new StoreLayer(store.blobs(), l.descriptor(), l.diffId()));
      }
      st.from(image.config(), layers, image.rawManifest().digest().toString());
    }
    st.key = hash(st.key + "\nplatform " + from.platform());
    List<String> triggers = List.copyOf(st.base.config().onBuild());
    StepOutcome fromOutcome = StepOutcome.CONFIG;
    if (!triggers.isEmpty() && parent.isEmpty()) {
      for (String trigger : triggers) {
        ParseResult p;
        try {
          p = Buildfile.parse("ONBUILD", "FROM scratch\n" + trigger + "\n");
        } catch (BuildfileException e) {
          throw new BuildException(request.buildfileName() + ":" + fromStep.line() + ": ONBUILD " + trigger + ": " + e.getMessage(),
              Optional.of(fromStep), e);
        }
        for (Instruction in : p.stages().getFirst().instructions()) {
          StepOutcome o = step(st, in, fromStep);
          if (o == StepOutcome.RAN) {
            fromOutcome = o;
          }
        }
      }
    }
    finish(fromStep, fromOutcome, t0);
    for (Instruction in : s.instructions()) {
      Step step = steps.get(in);
      listener.stepStarted(step);
      long t = System.nanoTime();
      finish(step, step(st, in, step), t);
    }
    return st.result();
  }

  private void finish(Step step, StepOutcome outcome, long startNanos) {
    records.add(new StepRecord(step, outcome));
    listener.stepFinished(step, outcome, Duration.ofNanos(System.nanoTime() - startNanos));
  }

  private LayoutImage resolveImage(String text, String platformText, Step step) throws BuildException {
    Platform platform = platformText.isEmpty() ? request.platform() : parsePlatform(platformText);
    try {
      Descriptor d;
      try {
        d = store.resolve(text);
      } catch (OciException e) {
        d = pull(text, platform, step);
      }
      Manifest m = store.rawManifest(d.digest()).manifest();
      if (m instanceof IndexManifest idx) {
        Descriptor chosen = idx.manifests().stream()
            .filter(x -> x.platform().map(platform::matches).orElse(false)).findFirst()
            .orElseThrow(() -> new BuildException(position(step) + "image " + text + " has no " + platformText + " image",
                Optional.of(step), null));
        d = chosen;
      }
      return store.image(d);
    } catch (IOException e) {
      throw new BuildException(position(step) + step.text() + ": " + e.getMessage(), Optional.of(step), e);
    }
  }

  private Descriptor pull(String text, Platform platform, Step step) throws IOException, BuildException {
    Reference ref;
    try {
      ref = Reference.parse(text, Reference.Defaults.DOCKER_HUB);
    } catch (IllegalArgumentException e) {
      throw new BuildException(position(step) + "image " + text + ": " + e.getMessage(), Optional.of(step), e);
    }
    RegistryClient c = client;
    if (c == null) {
      synchronized (this) {
        if (client == null) {
          client = request.registry().client();
        }
        c = client;
      }
    }
    PullResult r = c.pull(ref, store.blobs(), PullOptions.defaults().withPlatform(platform));
    RawManifest chosen = r.images().isEmpty() ? r.manifest() : r.images().getFirst();
    return store.putManifest(chosen);
  }

  private static Platform parsePlatform(String text) {
    String[] parts = text.split("/");
    return Platform.of(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
  }

  private String position(Step step) {
    return request.buildfileName() + ":" + step.line() + ": ";
  }

  // ---------------------------------------------------------------- steps

  private StepOutcome step(State st, Instruction raw, Step step) throws Exception {
    Instruction in = expand(raw, st.expansionEnv(), Optional.of(step));
    String canonical = in.toString().replace(in.range().toString(), "");
    switch (in) {
      case Arg a -> {
        for (Arg.Definition d : a.definitions()) {
          usedArgs.add(d.name());
          String v = request.buildArgs().containsKey(d.name()) ? request.buildArgs().get(d.name())
              : d.hasDefault() ? d.defaultValue() : metaArgs.getOrDefault(d.name(), null);
          if (v != null) {
            st.args.put(d.name(), v);
          } else {
            st.args.remove(d.name());
          }
          canonical += "\n" + d.name() + "=" + v;
        }
        return config(st, step, canonical);
      }
      case Env e -> {
        for (KeyValue kv : e.pairs()) {
          st.env.put(kv.key(), kv.value());
        }
        return config(st, step, canonical);
      }
      case Label l -> {
        for (KeyValue kv : l.pairs()) {
          st.labels.put(kv.key(), kv.value());
        }
        return config(st, step, canonical);
      }
      case Expose e -> {
        for (String port : e.ports()) {
          Expose.Port p = Expose.Port.parse(port);
          for (int i = p.first(); i <= p.last(); i++) {
            st.exposed.add(i + "/" + p.protocol());
          }
        }
        return config(st, step, canonical);
      }
      case User u -> {
        st.user = u.user();
        return config(st, step, canonical);
      }
      case Volume v -> {
        st.volumes.addAll(v.paths());
        return config(st, step, canonical);
      }
      case Entrypoint e -> {
        st.entrypoint = argv(st, e.command());
        if (!st.cmdSetHere) {
          st.cmd = List.of();
        }
        return config(st, step, canonical);
      }
      case Cmd c -> {
        st.cmd = argv(st, c.command());
        st.cmdSetHere = true;
        return config(st, step, canonical);
      }
      case Shell s -> {
        st.shell = s.shell();
        return config(st, step, canonical);
      }
      case Healthcheck h -> {
        List<String> test = new ArrayList<>();
        if (h.disabled()) {
          test.add("NONE");
        } else {
          switch (h.command()) {
            case CommandForm.Exec x -> {
              test.add("CMD");
              test.addAll(x.args());
            }
            case CommandForm.ShellScript x -> {
              test.add("CMD-SHELL");
              test.add(x.script());
            }
          }
        }
        st.healthcheck = Optional.of(new ImageConfig.Healthcheck(test, h.interval(), h.timeout(), h.startPeriod(),
            h.startInterval(), h.retries()));
        return config(st, step, canonical);
      }
      case StopSignal s -> {
        st.stopSignal = s.signal();
        return config(st, step, canonical);
      }
      case Onbuild o -> {
        st.onBuild.add(o.expression());
        return config(st, step, canonical);
      }
      case Maintainer m -> {
        st.author = m.name();
        return config(st, step, canonical);
      }
      case Workdir w -> {
        String dir = absolute(st, w.path());
        st.workdir = dir;
        return layerStep(st, step, canonical, () -> {
          if (exists(st, dir)) {
            return Optional.empty();
          }
          Path staging = Files.createTempDirectory(st.scratch, "workdir-");
          Files.createDirectories(staging.resolve(dir.substring(1)));
          return Optional.of(writeLayer(st, staging, true));
        });
      }
      case Run r -> {
        return run(st, r, step, canonical);
      }
      case Copy c -> {
        return copy(st, step, canonical, new CopySpec(c.sources(), c.inlineSources(), c.destination(), c.from(), c.chown(),
            c.chmod(), c.link(), c.parents(), c.excludes(), false, "", ""));
      }
      case Add a -> {
        return copy(st, step, canonical, new CopySpec(a.sources(), a.inlineSources(), a.destination(), "", a.chown(),
            a.chmod(), a.link(), false, a.excludes(), true, a.checksum(), a.unpack()));
      }
      case From f -> throw new BuildException(position(step) + "FROM inside a stage", Optional.of(step), null);
    }
  }

  private static List<String> argv(State st, CommandForm form) {
    return switch (form) {
      case CommandForm.Exec x -> x.args();
      case CommandForm.ShellScript x -> {
        List<String> l = new ArrayList<>(st.shellOrDefault());
        l.add(x.script());
        yield l;
      }
    };
  }

  private static String absolute(State st, String path) {
    String base = st.workdir.isEmpty() ? "/" : st.workdir;
    Path p = path.startsWith("/") ? Path.of(path) : Path.of(base).resolve(path);
    return p.normalize().toString();
  }

  private Instant now(Optional<BuildCache.Entry> hit) {
    if (request.sourceDateEpoch().isPresent()) {
      return Instant.ofEpochSecond(request.sourceDateEpoch().getAsLong());
    }
    return hit.map(BuildCache.Entry::created).orElseGet(() -> clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  private Optional<BuildCache.Entry> lookup(State st, String key) throws IOException {
    if (request.noCache() || request.noCacheFilter().contains(stageName(st.stage))
        || st.stage.name().filter(request.noCacheFilter()::contains).isPresent()) {
      return Optional.empty();
    }
    return cache.find(key, d -> Files.exists(store.blobs().path(d)));
  }

  /** A step that only changes the config: a history entry marked empty_layer. */
  private StepOutcome config(State st, Step step, String canonical) throws IOException {
    st.key = hash(st.key + "\n" + canonical);
    Optional<BuildCache.Entry> hit = lookup(st, st.key);
    Instant created = now(hit);
    if (hit.isEmpty()) {
      cache.put(st.key, new BuildCache.Entry(Optional.empty(), Optional.empty(), created));
    }
    st.history.add(new ImageConfig.History(Optional.of(created), "", createdBy(step), "", true));
    return StepOutcome.CONFIG;
  }

  private static String createdBy(Step step) {
    return step.text();
  }

  @FunctionalInterface
  private interface LayerProducer {
    Optional<StoreLayer> produce() throws Exception;
  }

  /** A step that may make a layer: a cache hit reuses it without running anything. */
  private StepOutcome layerStep(State st, Step step, String keyText, LayerProducer producer) throws Exception {
    return layerStep(st, step, keyText, false, producer);
  }

  // LINKED (COPY/ADD --link): the layer is cached by its own inputs alone, so a new base image
  // reuses it; the steps after it still chain on the whole parent.
  private StepOutcome layerStep(State st, Step step, String keyText, boolean linked, LayerProducer producer)
      throws Exception {
    st.key = hash(st.key + "\n" + keyText);
    String layerKey = linked ? hash("link\n" + keyText) : st.key;
    Optional<BuildCache.Entry> hit = lookup(st, layerKey);
    Optional<StoreLayer> layer;
    if (hit.isPresent()) {
      layer = hit.get().layer().map(d -> new StoreLayer(store.blobs(), d, hit.get().diffId().orElseThrow()));
    } else {
      layer = producer.produce();
    }
    Instant created = now(hit);
    if (hit.isEmpty()) {
      cache.put(layerKey, new BuildCache.Entry(layer.map(StoreLayer::descriptor), layer.map(StoreLayer::diffId), created));
    }
    layer.ifPresent(st.layers::add);
    st.history.add(new ImageConfig.History(Optional.of(created), "", createdBy(step) + " # buildkit", "", layer.isEmpty()));
    return hit.isPresent() ? StepOutcome.CACHED : StepOutcome.RAN;
  }

  private LayerOptions layerOptions(boolean rootOwned) {
    LayerOptions o = LayerOptions.defaults().withCompression(request.compression()).withRootOwned(rootOwned);
    if (request.compression() == dev.kiln.layer.Compression.GZIP) {
      // Build layers favour speed: level 1 compresses text nearly as well at several times the rate.
      o = o.withLevel(1);
    }
    if (request.sourceDateEpoch().isPresent()) {
      o = o.withSourceDateEpoch(request.sourceDateEpoch().getAsLong());
    }
    return o;
  }

  private StoreLayer writeLayer(State st, Path dir, boolean rootOwned) throws IOException {
    WrittenLayer wl = new LayerWriter(layerOptions(rootOwned)).write(new LayerSource.Directory(dir), store.blobs());
    if (rootOwned) {
      // The layer says 0:0; so must its unpacked copy.
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.toList()) {
          Map<String, Object> owner = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
          if (!Integer.valueOf(0).equals(owner.get("uid")) || !Integer.valueOf(0).equals(owner.get("gid"))) {
            Files.setAttribute(p, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
          }
        }
      }
    }
    // The staged tree is the layer's unpacked copy: a later RUN needs no extraction.
    unpacked.adopt(wl.diffId(), dir);
    return new StoreLayer(store.blobs(), wl.descriptor(), wl.diffId());
  }

  private static String hash(String text) {
    return Digests.sha256(text.getBytes(StandardCharsets.UTF_8)).encoded();
  }

  // ---------------------------------------------------------------- file system views

  /** The stage's layers unpacked, top-most first (an empty dir for an empty image). */
  private List<Path> lowers(State st) throws IOException {
    List<Path> out = new ArrayList<>();
    for (StoreLayer l : st.layers) {
      out.addFirst(unpacked.unpack(l));
    }
    if (out.isEmpty()) {
      Path empty = st.scratch.resolve("empty");
      Files.createDirectories(empty);
      out.add(empty);
    }
    return out;
  }

  /** Whether an absolute path exists in the stage's file system (the top-most layer that has it decides). */
  private boolean exists(State st, String abs) throws IOException {
    String rel = abs.substring(1);
    if (rel.isEmpty()) {
      return true;
    }
    for (Path l : lowers(st)) {
      Path p = l.resolve(rel);
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return !isWhiteout(p);
      }
    }
    return false;
  }

  /** Whether an absolute path is a directory in the stage's file system. */
  private boolean isDirectory(State st, String abs) throws IOException {
    if (st.layers.isEmpty()) {
      return false;
    }
    for (Path l : lowers(st)) {
      Path p = l.resolve(abs.substring(1));
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
      }
    }
    return false;
  }

  private static boolean isWhiteout(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return a.isOther() && ((Number) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue() == 0;
  }

  /**
   * A stage's or image's whole file system in one directory, for COPY --from and RUN --mount
   * from=: its unpacked layers (shared, extracted once per store) under a read-only overlay mount,
   * unmounted when the build ends.
   */
  private Path rootfs(String id, List<StoreLayer> layers, Path scratchRoot) throws IOException, InterruptedException {
    synchronized (rootfsCache) {
      Path done = rootfsCache.get(id);
      if (done != null) {
        return done;
      }
      List<Path> dirs = new ArrayList<>();
      for (StoreLayer l : layers) {
        dirs.addFirst(unpacked.unpack(l));
      }
      Path dir;
      if (dirs.isEmpty()) {
        dir = Files.createTempDirectory(scratchRoot, "rootfs-");
      } else if (dirs.size() == 1) {
        dir = dirs.getFirst();
      } else {
        dir = Files.createTempDirectory(scratchRoot, "rootfs-");
        command("mount", "-t", "overlay", "overlay", "-o",
            "ro,lowerdir=" + String.join(":", dirs.stream().map(Path::toString).toList()), dir.toString());
        mounts.add(dir);
      }
      rootfsCache.put(id, dir);
      return dir;
    }
  }

  private static void command(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", args) + ": " + out);
    }
  }

  /** A source of files: the context, or a stage's or image's file system. */
  private record Source(Path root, NavigableMap<String, BasicFileAttributes> entries, boolean context, String key) {}

  private Source source(State st, String from, Step step) throws Exception {
    if (from.isEmpty()) {
      ContextFiles c = context();
      return new Source(c.root(), c.entries(), true, "context");
    }
    Optional<Stage> stage = parsed.stage(from, st.stage.index());
    StageResult r;
    if (stage.isPresent()) {
      r = await(stage.get());
    } else {
      LayoutImage image = resolveImage(from, "", step);
      List<StoreLayer> layers = new ArrayList<>();
      for (Layer l : image.layers()) {
        layers.add(new StoreLayer(store.blobs(), l.descriptor(), l.diffId()));
      }
      r = new StageResult(image.config(), layers, image.rawManifest().digest().toString());
    }
    Path dir = rootfs(r.key(), r.layers(), st.scratch.getParent());
    return new Source(dir, list(dir), false, r.key());
  }

  private static NavigableMap<String, BasicFileAttributes> list(Path root) throws IOException {
    NavigableMap<String, BasicFileAttributes> out = new TreeMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        if (!dir.equals(root)) {
          out.put(root.relativize(dir).toString(), attrs);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        out.put(root.relativize(file).toString(), attrs);
        return FileVisitResult.CONTINUE;
      }
    });
    return out;
  }

  private ContextFiles context() throws IOException {
    ContextFiles c = context;
    if (c == null) {
      synchronized (this) {
        if (context == null) {
          IgnorePatterns ignore = IgnorePatterns.of(List.of());
          String base = Path.of(request.buildfileName()).getFileName().toString();
          for (String candidate : IgnorePatterns.candidateFiles(base)) {
            Path f = request.context().resolve(candidate);
            if (Files.isRegularFile(f)) {
              ignore = IgnorePatterns.parse(candidate, Files.readString(f));
              break;
            }
          }
          context = new ContextFiles(request.context(), ignore, cache.dir());
        }
        c = context;
      }
    }
    return c;
  }

  // ---------------------------------------------------------------- COPY and ADD

  private record CopySpec(List<String> sources, List<Heredoc> inline, String destination, String from, String chown,
      String chmod, boolean link, boolean parents, List<String> excludes, boolean add, String checksum, String unpack) {}

  /** One file to copy: where it comes from and where it goes (relative to the image root). */
  private record Item(String target, Path source, BasicFileAttributes attrs, String sourceRel) {}

  private StepOutcome copy(State st, Step step, String canonical, CopySpec spec) throws Exception {
    String keyword = spec.add() ? "ADD" : "COPY";
    String dest = absolute(st, spec.destination());
    boolean destIsDir = spec.destination().endsWith("/") || spec.destination().equals(".")
        || spec.destination().endsWith("/.") || spec.sources().size() + spec.inline().size() > 1;
    Source src = null;
    List<Item> items = new ArrayList<>();
    List<Path> downloads = new ArrayList<>();
    IgnorePatterns excludes = IgnorePatterns.of(spec.excludes());
    for (String raw : spec.sources()) {
      if (spec.add() && (raw.startsWith("http://") || raw.startsWith("https://"))) {
        Path file = download(st, raw, step);
        downloads.add(file);
        String name = URI.create(raw).getPath();
        name = name.substring(name.lastIndexOf('/') + 1);
        String target = destIsDir || name.isEmpty() ? join(dest, name.isEmpty() ? "index.html" : name) : dest;
        items.add(new Item(target, file, Files.readAttributes(file, BasicFileAttributes.class), raw));
        continue;
      }
      if (src == null) {
        src = source(st, spec.from(), step);
      }
      String rel = clean(raw, step, keyword);
      List<String> matches = new ArrayList<>();
      if (rel.isEmpty()) {
        matches.add("");
      } else if (rel.chars().anyMatch(ch -> ch == '*' || ch == '?' || ch == '[')) {
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rel);
        int depth = rel.split("/").length;
        for (String e : src.entries().keySet()) {
          if (e.split("/").length == depth && m.matches(Path.of(e))) {
            matches.add(e);
          }
        }
        destIsDir |= matches.size() > 1;
      } else if (src.entries().containsKey(rel)) {
        matches.add(rel);
      }
      if (matches.isEmpty()) {
        throw new BuildException(position(step) + step.text() + ": " + raw + ": not found in "
            + (spec.from().isEmpty() ? "the build context" : spec.from()), Optional.of(step), null);
      }
      for (String m : matches) {
        BasicFileAttributes a = m.isEmpty() ? null : src.entries().get(m);
        if (a == null || a.isDirectory()) {
          String base = spec.parents() && !m.isEmpty() ? join(dest, m) : dest;
          NavigableMap<String, BasicFileAttributes> under = m.isEmpty() ? src.entries()
              : src.entries().subMap(m + "/", true, m + "0", false);
          if (!m.isEmpty()) {
            items.add(new Item(base, src.root().resolve(m), a, m));
          }
          for (var e : under.entrySet()) {
            String r = m.isEmpty() ? e.getKey() : e.getKey().substring(m.length() + 1);
            // --exclude patterns are relative to the source being copied
            if (!excludes.matches(r) && !excludes.matches(e.getKey())) {
              items.add(new Item(join(base, r), src.root().resolve(e.getKey()), e.getValue(), e.getKey()));
            }
          }
        } else if (!excludes.matches(m)) {
          String name = spec.parents() ? m : m.substring(m.lastIndexOf('/') + 1);
          items.add(new Item(destIsDir ? join(dest, name) : dest, src.root().resolve(m), a, m));
        }
      }
    }
    // --link: the layer must not depend on what is below it, so only a trailing slash (not an
    // existing directory) makes the destination a directory, as with BuildKit
    if (!spec.link() && !destIsDir && items.size() == 1 && !items.getFirst().attrs().isDirectory() && isDirectory(st, dest)) {
      Item only = items.removeFirst();
      items.add(new Item(join(dest, only.source().getFileName().toString()), only.source(), only.attrs(), only.sourceRel()));
      destIsDir = true;
    }
    // The key: the instruction, the source's identity and every input file's content.
    StringBuilder key = new StringBuilder(canonical).append("\nuser-base ").append(st.user);
    if (spec.link() && !spec.chown().isEmpty()) {
      // a name resolves in the parent's /etc/passwd: the ids, not the name, belong in a key
      // that leaves the parent out
      key.append("\nowner ").append(java.util.Arrays.toString(owner(st, spec.chown(), step)));
    }
    if (src != null && !src.context()) {
      key.append("\nfrom ").append(src.key());
    }
    for (Item it : items) {
      key.append('\n').append(it.target()).append(' ');
      Path p = it.source();
      boolean inContext = src != null && src.context() && p.startsWith(src.root());
      Object mode = inContext ? context().stat(it.sourceRel()).mode() : Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if (it.attrs().isSymbolicLink()) {
        key.append("link ").append(Files.readSymbolicLink(p));
      } else if (it.attrs().isDirectory()) {
        key.append("dir ").append(mode);
      } else {
        key.append("file ").append(mode).append(' ');
        key.append(inContext ? context().digest(it.sourceRel()) : digestOf(p));
      }
    }
    for (Heredoc h : spec.inline()) {
      key.append("\ninline ").append(h.name()).append(' ').append(hash(h.content()));
    }
    final boolean fromContext = src == null || src.context();
    final boolean dirTarget = destIsDir;
    return layerStep(st, step, key.toString(), spec.link(), () -> {
      if (!spec.checksum().isEmpty()) {
        Digest want = Digest.parse(spec.checksum());
        for (Item it : items) {
          Digest got = Digests.of(want.algorithm(), Files.newInputStream(it.source()));
          if (!got.equals(want)) {
            throw new BuildException(position(step) + step.text() + ": " + it.sourceRel() + ": checksum mismatch: expected "
                + want + ", got " + got, Optional.of(step), null);
          }
        }
      }
      Path staging = Files.createTempDirectory(st.scratch, "copy-");
      Set<String> written = new LinkedHashSet<>();
      for (Item it : items) {
        Path t = staging.resolve(it.target().substring(1));
        Files.createDirectories(t.getParent());
        if (spec.add() && it.attrs().isRegularFile() && !"false".equals(spec.unpack())
            && !it.sourceRel().startsWith("http") && isTar(it.source())) {
          Path into = dirTarget || it.target().equals(dest) ? staging.resolve(dest.substring(1)) : t;
          Files.createDirectories(into);
          try (InputStream in = Files.newInputStream(it.source())) {
            new LayerApplier(ApplyOptions.defaults()).apply(in, into);
          }
          written.add(into.toString());
          continue;
        }
        place(it, t);
        written.add(t.toString());
      }
      for (Heredoc h : spec.inline()) {
        Path t = staging.resolve((dirTarget || spec.sources().isEmpty() && spec.destination().endsWith("/")
            ? join(dest, h.name()) : dest).substring(1));
        Files.createDirectories(t.getParent());
        Files.writeString(t, h.content());
        written.add(t.toString());
      }
      // Directories keep their source's mtime, set after their contents are in place.
      for (Item it : items.reversed()) {
        if (it.attrs().isDirectory()) {
          Files.setLastModifiedTime(staging.resolve(it.target().substring(1)), it.attrs().lastModifiedTime());
        }
      }
      if (!spec.chmod().isEmpty() || !spec.chown().isEmpty()) {
        int mode = spec.chmod().isEmpty() ? -1 : Integer.parseInt(spec.chmod(), 8);
        int[] owner = spec.chown().isEmpty() ? null : owner(st, spec.chown(), step);
        Path top = staging.resolve(dest.substring(1));
        try (Stream<Path> all = Files.walk(top.toFile().exists() ? top : staging)) {
          for (Path p : all.toList()) {
            if (Files.isSymbolicLink(p)) {
              continue;
            }
            if (mode >= 0) {
              Files.setAttribute(p, "unix:mode", mode);
            }
            if (owner != null) {
              Files.setAttribute(p, "unix:uid", owner[0], LinkOption.NOFOLLOW_LINKS);
              Files.setAttribute(p, "unix:gid", owner[1], LinkOption.NOFOLLOW_LINKS);
            }
          }
        }
      }
      return Optional.of(writeLayer(st, staging, fromContext && spec.chown().isEmpty()));
    });
  }

  private static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  private String clean(String raw, Step step, String keyword) throws BuildException {
    String p = Path.of("/" + raw).normalize().toString().substring(1);
    if (Path.of(raw).normalize().startsWith("..")) {
      throw new BuildException(position(step) + keyword + " " + raw + ": outside the build context", Optional.of(step), null);
    }
    return p;
  }

  private static void place(Item it, Path t) throws IOException {
    if (it.attrs().isSymbolicLink()) {
      Files.deleteIfExists(t);
      Files.createSymbolicLink(t, Files.readSymbolicLink(it.source()));
    } else if (it.attrs().isDirectory()) {
      Files.createDirectories(t);
      Files.setAttribute(t, "unix:mode", Files.getAttribute(it.source(), "unix:mode"));
      Files.setAttribute(t, "unix:uid", Files.getAttribute(it.source(), "unix:uid"));
      Files.setAttribute(t, "unix:gid", Files.getAttribute(it.source(), "unix:gid"));
    } else {
      // A copy, not a hard link: the staged tree becomes the layer's unpacked copy, which must not
      // change when the context file is edited in place.
      Files.deleteIfExists(t);
      // COPY_ATTRIBUTES keeps mode, times and (as root) the owner
      Files.copy(it.source(), t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }
  }

  private static Digest digestOf(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return Digests.of(Digest.SHA256, in);
    }
  }

  /** Whether a local file is a tar archive, plain or gzip-compressed (ADD extracts those). */
  private static boolean isTar(Path p) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(p)) {
      head = in.readNBytes(2);
    }
    try (InputStream raw = Files.newInputStream(p);
        InputStream in = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b
            ? new java.util.zip.GZIPInputStream(raw) : raw) {
      byte[] block = in.readNBytes(512);
      return block.length == 512 && new String(block, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    } catch (java.util.zip.ZipException e) {
      return false;
    }
  }

  private int[] owner(State st, String chown, Step step) throws BuildException, IOException {
    String[] parts = chown.split(":", 2);
    if (parts[0].matches("\\d+") && (parts.length == 1 || parts[1].matches("\\d+"))) {
      int uid = Integer.parseInt(parts[0]);
      return new int[] {uid, parts.length == 1 ? uid : Integer.parseInt(parts[1])};
    }
    try {
      ContainerUser u = ContainerUser.resolve(chown, lowers(st));
      return new int[] {u.uid(), u.gid()};
    } catch (IllegalArgumentException e) {
      throw new BuildException(position(step) + "--chown=" + chown + ": " + e.getMessage(), Optional.of(step), e);
    }
  }

  private Path download(State st, String url, Step step) throws BuildException, IOException, InterruptedException {
    Path file = Files.createTempFile(st.scratch, "add-", ".download");
    HttpResponse<Path> r = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
            HttpResponse.BodyHandlers.ofFile(file));
    if (r.statusCode() != 200) {
      throw new BuildException(position(step) + "ADD " + url + ": HTTP " + r.statusCode(), Optional.of(step), null);
    }
    return file;
  }

  // ---------------------------------------------------------------- RUN

  private static Map<String, String> mountOptions(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      m.put(eq < 0 ? part.strip() : part.substring(0, eq).strip(), eq < 0 ? "true" : part.substring(eq + 1).strip());
    }
    m.putIfAbsent("type", "bind");
    for (String[] alias : new String[][] {{"dst", "target"}, {"destination", "target"}, {"src", "source"}, {"ro", "readonly"}}) {
      if (m.containsKey(alias[0])) {
        m.putIfAbsent(alias[1], m.remove(alias[0]));
      }
    }
    return m;
  }

  private StepOutcome run(State st, Run r, Step step, String canonical) throws Exception {
    List<String> argv;
    switch (r.command()) {
      case CommandForm.Exec x -> argv = x.args();
      case CommandForm.ShellScript x -> {
        String script = x.script();
        if (!r.heredocs().isEmpty() && script.strip().startsWith("<<") && script.strip().split("\\s+").length == 1) {
          script = r.heredocs().getFirst().content();
        } else {
          StringBuilder b = new StringBuilder(script);
          for (Heredoc h : r.heredocs()) {
            b.append('\n').append(h.content()).append(h.name());
          }
          script = b.toString();
        }
        argv = new ArrayList<>(st.shellOrDefault());
        argv.add(script);
      }
    }
    Map<String, String> envMap = new LinkedHashMap<>(st.args);
    envMap.putAll(st.env);
    List<String> env = envMap.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    String net = r.network().isEmpty() ? request.network() : r.network();
    NetworkMode mode = switch (net) {
      case "none" -> NetworkMode.NONE;
      case "host", "default" -> NetworkMode.HOST;
      default -> throw new BuildException(position(step) + "RUN --network=" + net + ": expected default, none or host",
          Optional.of(step), null);
    };
    List<Map<String, String>> mounts = new ArrayList<>();
    StringBuilder key = new StringBuilder(canonical).append("\nargv ").append(argv).append("\nenv ").append(env)
        .append("\nuser ").append(st.user).append("\nworkdir ").append(st.workdir).append("\nnetwork ").append(mode);
    for (String m : r.mounts()) {
      Map<String, String> o = mountOptions(m);
      mounts.add(o);
      if (o.get("type").equals("bind")) {
        Source src = source(st, o.getOrDefault("from", ""), step);
        String rel = clean(o.getOrDefault("source", "."), step, "RUN --mount");
        key.append("\nbind ").append(src.key()).append(' ').append(rel);
        if (src.context()) {
          for (var e : (rel.isEmpty() ? src.entries() : src.entries().subMap(rel, true, rel + "0", false)).entrySet()) {
            if (e.getKey().equals(rel) || rel.isEmpty() || e.getKey().startsWith(rel + "/")) {
              key.append('\n').append(e.getKey()).append(' ').append(e.getValue().isRegularFile() ? context().digest(e.getKey()) : "-");
            }
          }
        }
      }
    }
    return layerStep(st, step, key.toString(), () -> execute(st, step, argv, env, mode, mounts));
  }

  private Optional<StoreLayer> execute(State st, Step step, List<String> argv, List<String> env, NetworkMode mode,
      List<Map<String, String>> mountOpts) throws Exception {
    List<Path> lowers = lowers(st);
    RunSpec.Builder b = RunSpec.fromImageConfig(List.of(), argv, env, st.user, st.workdir).network(mode);
    List<String> mountPoints = new ArrayList<>(RUNTIME_MOUNTS);
    for (Map<String, String> o : mountOpts) {
      String type = o.get("type");
      String target = o.getOrDefault("target", "");
      switch (type) {
        case "cache" -> {
          requireTarget(target, step);
          String id = o.getOrDefault("id", target);
          Path dir = cache.mount(id);
          if (o.containsKey("uid") || o.containsKey("gid") || o.containsKey("mode")) {
            if (o.containsKey("uid")) {
              Files.setAttribute(dir, "unix:uid", Integer.parseInt(o.get("uid")));
            }
            if (o.containsKey("gid")) {
              Files.setAttribute(dir, "unix:gid", Integer.parseInt(o.get("gid")));
            }
            if (o.containsKey("mode")) {
              Files.setAttribute(dir, "unix:mode", Integer.parseInt(o.get("mode"), 8));
            }
          }
          b.addMount(Mount.bind(dir.toString(), absolute(st, target), false));
          mountPoints.add(absolute(st, target));
        }
        case "tmpfs" -> {
          requireTarget(target, step);
          b.addMount(Mount.tmpfs(absolute(st, target), o.containsKey("size") ? List.of("size=" + o.get("size")) : List.of()));
          mountPoints.add(absolute(st, target));
        }
        case "bind" -> {
          requireTarget(target, step);
          Source src = source(st, o.getOrDefault("from", ""), step);
          Path from = src.root().resolve(clean(o.getOrDefault("source", "."), step, "RUN --mount"));
          boolean rw = o.containsKey("rw") || "false".equals(o.get("readonly"));
          if (rw) {
            // Writes to a read-write bind mount are discarded: give the step its own copy.
            Path copy = Files.createTempDirectory(st.scratch, "bind-");
            new ProcessBuilder("cp", "-a", from + (Files.isDirectory(from) ? "/." : ""), copy.toString())
                .inheritIO().start().waitFor();
            from = Files.isDirectory(from) ? copy : copy.resolve(from.getFileName());
          }
          b.addMount(Mount.bind(from.toString(), absolute(st, target), !rw));
          mountPoints.add(absolute(st, target));
        }
        case "secret" -> {
          String id = o.getOrDefault("id", target.isEmpty() ? "" : Path.of(target).getFileName().toString());
          Path source = request.secrets().get(id);
          if (source == null) {
            if ("true".equals(o.get("required"))) {
              throw new BuildException(position(step) + "secret " + id + ": not given (--secret id=" + id + ",src=FILE)",
                  Optional.of(step), null);
            }
            continue;
          }
          // A private copy outside every layer and the context: the mount is read-only.
          Path copy = Files.createTempFile(st.scratch, "secret-", "");
          Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
          Files.setAttribute(copy, "unix:mode", Integer.parseInt(o.getOrDefault("mode", "0400"), 8));
          Files.setAttribute(copy, "unix:uid", Integer.parseInt(o.getOrDefault("uid", "0")));
          Files.setAttribute(copy, "unix:gid", Integer.parseInt(o.getOrDefault("gid", "0")));
          String t = target.isEmpty() ? "/run/secrets/" + id : absolute(st, target);
          b.addMount(Mount.bind(copy.toString(), t, true));
          mountPoints.add(t);
        }
        default -> throw new BuildException(position(step) + "RUN --mount=type=" + type + ": not supported (cache, bind, tmpfs or secret)",
            Optional.of(step), null);
      }
    }
    RunSpec spec;
    Container c;
    try {
      spec = b.build();
      c = containers.create(Optional.empty(), "build:" + stageName(st.stage), lowers, spec, OciRuntime.SHIM, false);
    } catch (IllegalArgumentException | IOException e) {
      throw new BuildException(position(step) + step.text() + ": " + e.getMessage(), Optional.of(step), e);
    }
    Path upper = store.root().resolve("containers").resolve(c.id()).resolve("upper");
    try {
      LastLines tail = new LastLines(step);
      int code = containers.startAttached(c.id(), tail);
      if (code != 0) {
        throw new BuildException(position(step) + step.text() + ": exit code " + code, Optional.of(step), code,
            tail.lines(), null);
      }
      cleanMountPoints(upper, lowers, mountPoints);
      WrittenLayer wl = new LayerWriter(layerOptions(false)).write(new LayerSource.OverlayUpper(upper), store.blobs());
      StoreLayer layer = new StoreLayer(store.blobs(), wl.descriptor(), wl.diffId());
      unpacked.adopt(layer.diffId(), upper);
      return Optional.of(layer);
    } finally {
      containers.remove(c.id(), true);
    }
  }

  private void requireTarget(String target, Step step) throws BuildException {
    if (target.isEmpty()) {
      throw new BuildException(position(step) + step.text() + ": --mount needs target=PATH", Optional.of(step), null);
    }
  }

  /**
   * Removes what the runtime's mounts left in the upper dir: empty mount points (and their empty
   * parents) that the image did not have, so no layer carries /etc/hosts or /run/secrets.
   */
  private static void cleanMountPoints(Path upper, List<Path> lowers, List<String> points) throws IOException {
    for (String point : points) {
      Path p = upper.resolve(point.substring(1));
      while (!p.equals(upper) && p.startsWith(upper)) {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          String rel = upper.relativize(p).toString();
          if (lowers.stream().anyMatch(l -> Files.exists(l.resolve(rel), LinkOption.NOFOLLOW_LINKS)) || !isEmpty(p)) {
            break;
          }
          Files.delete(p);
        }
        p = p.getParent();
      }
    }
  }

  private static boolean isEmpty(Path p) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        return s.findAny().isEmpty();
      }
    }
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0;
  }

  /** Forwards a step's output to the listener and keeps its last lines for the error message. */
  private final class LastLines extends OutputStream {
    private final Step step;
    private final Deque<String> lines = new ArrayDeque<>();
    private final java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();

    LastLines(Step step) {
      this.step = step;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
      listener.stepOutput(step, copy, len);
      for (int i = 0; i < len; i++) {
        if (copy[i] == '\n') {
          push();
        } else if (current.size() < 4096) {
          current.write(copy[i]);
        }
      }
    }

    private void push() {
      lines.addLast(current.toString(StandardCharsets.UTF_8));
      current.reset();
      if (lines.size() > LAST_LINES) {
        lines.removeFirst();
      }
    }

    List<String> lines() {
      if (current.size() > 0) {
        push();
      }
      return List.copyOf(lines);
    }
  }

  // ---------------------------------------------------------------- the image

  private Descriptor writeImage(StageResult r) throws IOException {
    ImageConfig config = r.config();
    Instant created = request.sourceDateEpoch().isPresent() ? Instant.ofEpochSecond(request.sourceDateEpoch().getAsLong())
        : config.history().stream().flatMap(h -> h.created().stream()).max(Comparator.naturalOrder())
            .orElse(Instant.EPOCH);
    if (config.architecture().isEmpty()) {
      config = new ImageConfig(config.created(), config.author(), request.platform().architecture(), request.platform().os(),
          config.osVersion(), config.osFeatures(), config.variant(), config.config(), config.rootfs(), config.history());
    }
    config = config.withCreated(created);
    Descriptor configDesc = store.blobs().put(new ByteArrayInputStream(config.toJson()), MediaTypes.OCI_CONFIG);
    RawManifest raw = ImageManifest.of(configDesc, r.layers().stream().map(StoreLayer::descriptor).toList()).toRaw();
    return store.putManifest(raw);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
