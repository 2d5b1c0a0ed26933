package dev.kiln.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Container lifecycle under a root directory:
 *
 * <pre>
 * ROOT/containers/ID/state.json      what was recorded at creation ({@link StoredContainer})
 *                    status          JSON lines the shim appends (running, exited, error)
 *                    bundle/         OCI bundle: config.json, shim.plan, rootfs/ (mount point)
 *                    upper/ work/    the private overlay upper and work dirs
 *                    storage/        instead of upper/work when --storage-size puts them on a tmpfs
 *                    hosts hostname resolv.conf
 * ROOT/logs/ID/                      container.log (+ rotated), meta.json ({@link LogStore})
 * ROOT/volumes/NAME/_data            named volumes ({@link Volumes})
 * ROOT/bin/kiln-shim-HASH            the extracted shim
 * ROOT/runtime/crun|runc             crun's and runc's own state (--root)
 * </pre>
 *
 * Thread-safe in the sense that all state is on disk; concurrent kiln processes may race on names.
 */
public final class Containers {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Path root;
  private final Path containersDir;
  private final Cgroups cgroups;
  private final LogStore logs;
  private final Volumes volumes;
  private final LogPolicy logPolicy;
  private final Clock clock;

  /**
   * @param root the kiln root (KILN_ROOT)
   * @param logPolicy log rotation and retention
   * @param clock time source
   */
  public Containers(Path root, LogPolicy logPolicy, Clock clock) {
    this.root = root;
    this.containersDir = root.resolve("containers");
    this.cgroups = Cgroups.detect();
    this.logs = new LogStore(root.resolve("logs"), logPolicy.retention(), clock);
    this.volumes = new Volumes(root.resolve("volumes"));
    this.logPolicy = logPolicy;
    this.clock = clock;
  }

  /** @param root the kiln root; logs follow {@link LogPolicy#DEFAULT} */
  public Containers(Path root) {
    this(root, LogPolicy.DEFAULT, Clock.systemUTC());
  }

  /** @return the container logs */
  public LogStore logs() {
    return logs;
  }

  /** @return the named volumes */
  public Volumes volumes() {
    return volumes;
  }

  /**
   * Parses {@code -v HOST:CTR[:ro]} or {@code -v NAME:CTR[:ro]}; a named volume is created when missing.
   *
   * @param text the option value
   * @return the bind mount
   * @throws IllegalArgumentException on a malformed spec or a missing host path
   * @throws IOException when a volume cannot be created
   */
  public Mount volumeMount(String text) throws IOException {
    String[] parts = text.split(":");
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[1].startsWith("/")) {
      throw new IllegalArgumentException("volume " + text + ": expected HOST-PATH:CONTAINER-PATH[:ro] or NAME:CONTAINER-PATH[:ro]");
    }
    boolean ro = false;
    if (parts.length == 3) {
      if (!parts[2].equals("ro") && !parts[2].equals("rw")) throw new IllegalArgumentException("volume " + text + ": mode must be ro or rw");
      ro = parts[2].equals("ro");
    }
    String source;
    if (parts[0].startsWith("/")) {
      if (!Files.exists(Path.of(parts[0]))) throw new IllegalArgumentException("volume " + text + ": host path " + parts[0] + " does not exist");
      source = parts[0];
    } else {
      source = volumes.create(parts[0]).path().toString();
    }
    return Mount.bind(source, parts[1], ro);
  }

  /**
   * Creates a container: resolves the user and command in the image, writes the bundle (config.json
   * and shim.plan), the cgroups and the network hook. Nothing runs yet.
   *
   * @param name unique name; empty for a generated one
   * @param image what the container runs, for display
   * @param lowers unpacked layers (read-only), top-most first
   * @param spec the run specification
   * @param runtime which runtime will run it
   * @param autoRemove remove it once it exits
   * @return the created container
   * @throws IllegalArgumentException on bad input (unknown user, name in use, …): exit 125
   * @throws ShimException when the command is not in the image (127) or setup fails (125)
   * @throws IOException when the bundle cannot be written
   */
  public Container create(Optional<String> name, String image, List<Path> lowers, RunSpec spec, OciRuntime runtime, boolean autoRemove)
      throws IOException {
    if (lowers.isEmpty()) throw new IllegalArgumentException("image " + image + ": no layers");
    for (Path l : lowers) {
      if (!Files.isDirectory(l)) throw new IllegalArgumentException("image " + image + ": layer directory " + l + " does not exist");
    }
    List<String> args = spec.args();
    if (args.isEmpty()) throw new IllegalArgumentException("image " + image + ": no command specified");
    String id = HexFormat.of().formatHex(randomBytes());
    String containerName = name.orElse("kiln_" + id.substring(0, 8));
    if (!containerName.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) throw new IllegalArgumentException("name " + containerName + ": expected [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    for (StoredContainer other : stored()) {
      // a detached --rm container that exited is gone as far as users can tell: free its name
      if (other.name().equals(containerName) && other.autoRemove() && view(other).status() == ContainerStatus.EXITED) {
        try {
          remove(other.id(), false);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("name " + containerName + ": interrupted removing its exited container", e);
        }
      } else if (other.name().equals(containerName)) {
        throw new IllegalArgumentException("name " + containerName + ": already in use by container " + other.id().substring(0, 12));
      }
    }
    if (runtime == OciRuntime.CRUN) checkCrunHybrid();
    Rlimit.checkGrantable(spec.rlimits());
    ContainerUser user = ContainerUser.resolve(spec.user(), lowers);
    String hostname = spec.hostname().isEmpty() ? id.substring(0, 12) : spec.hostname();
    List<String> env = environment(spec.env(), hostname, user);
    String path = env.stream().filter(e -> e.startsWith("PATH=")).findFirst().orElseThrow().substring(5);
    if (!RootFs.hasCommand(lowers, args.getFirst(), path)) {
      throw new ShimException("exec", ShimException.ENOENT, "exec " + args.getFirst() + ": executable file not found in $PATH of image " + image);
    }
    Set<String> caps = Capabilities.resolve(spec.capAdd(), spec.capDrop());

    Path dir = containersDir.resolve(id);
    Path bundle = dir.resolve("bundle");
    Path rootfs = bundle.resolve("rootfs");
    Files.createDirectories(rootfs);
    Optional<Path> storage = spec.limits().storageBytes().isPresent() ? Optional.of(dir.resolve("storage")) : Optional.empty();
    Path layerDir = storage.orElse(dir);
    if (storage.isPresent()) {
      Files.createDirectories(storage.get());
    } else {
      Files.createDirectories(dir.resolve("upper"));
      Files.createDirectories(dir.resolve("work"));
    }
    Optional<String> address = Optional.empty();
    Optional<Path> hook = Optional.empty();
    if (spec.network() == NetworkMode.BRIDGE) {
      address = Optional.of(BridgeNetwork.allocate(list(false).stream().flatMap(c -> c.address().stream()).toList()));
      hook = Optional.of(BridgeNetwork.writeHook(bundle, id, address.get()));
    }
    if (!spec.uidMappings().isEmpty()) chownForUserNamespace(spec, storage.isPresent() ? List.of(storage.get()) : List.of(dir.resolve("upper"), dir.resolve("work")));
    List<Mount> mounts = new ArrayList<>(ContainerPlan.defaultMounts());
    // the layers it stacks, so that collecting unpacked layers spares them while it exists
    Files.write(dir.resolve("lowers"), lowers.stream().map(Path::toString).toList());
    Files.writeString(dir.resolve("hostname"), hostname + "\n");
    Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        + address.orElse("127.0.1.1") + "\t" + hostname + "\n");
    mounts.add(Mount.bind(dir.resolve("hostname").toString(), "/etc/hostname", false));
    mounts.add(Mount.bind(dir.resolve("hosts").toString(), "/etc/hosts", false));
    if (spec.network() != NetworkMode.NONE && Files.exists(Path.of("/etc/resolv.conf"))) {
      Files.copy(Path.of("/etc/resolv.conf"), dir.resolve("resolv.conf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      mounts.add(Mount.bind(dir.resolve("resolv.conf").toString(), "/etc/resolv.conf", false));
    }
    mounts.addAll(spec.mounts());
    List<Path> cgroupDirs = List.of();
    if (runtime == OciRuntime.SHIM) {
      try {
        cgroupDirs = cgroups.create(id, spec.limits());
      } catch (IOException e) {
        LogStore.deleteTree(dir);
        throw new ShimException("cgroup", 0, "container " + id.substring(0, 12) + ": " + e.getMessage());
      }
    }
    logs.register(id, containerName);
    ContainerPlan plan = new ContainerPlan(id, spec, args, env, user, spec.cwd().isEmpty() ? "/" : spec.cwd(), hostname, lowers, rootfs,
        layerDir.resolve("upper"), layerDir.resolve("work"), storage, mounts, caps, cgroupDirs, cgroups.ociPath(id),
        logs.file(id), logPolicy.maxBytes(), logPolicy.maxFiles(), dir.resolve("status"), hook, address);
    OciConfig.write(plan, bundle);
    List<String> hostMounts = new ArrayList<>();
    if (runtime == OciRuntime.SHIM) {
      ShimPlan.forContainer(plan, false, false).writeTo(bundle.resolve("shim.plan"));
    } else {
      if (storage.isPresent()) {
        hostMounts.add(storage.get().toString());
        Files.writeString(dir.resolve("storage.size"), Long.toString(spec.limits().storageBytes().getAsLong()));
      }
      hostMounts.add(rootfs.toString());
      Files.writeString(dir.resolve("overlay.options"), overlayOptions(plan));
      List<String> command = List.of(runtime.command(), "--root", runtimeRoot(runtime).toString(), "run", "--bundle", bundle.toString(), id);
      ShimPlan.forRuntime(plan, command, false, false).writeTo(bundle.resolve("shim.plan"));
    }
    String volumesPrefix = root.resolve("volumes").toString() + "/";
    List<String> volumeNames = spec.mounts().stream().map(Mount::source).filter(s -> s.startsWith(volumesPrefix))
        .map(s -> s.substring(volumesPrefix.length()).split("/")[0]).toList();
    StoredContainer stored = new StoredContainer(id, containerName, image, args, runtime, clock.instant().toString(), autoRemove, env,
        user.uid(), user.gid(), user.additionalGids(), new ArrayList<>(caps), spec.noNewPrivileges(), spec.seccomp(),
        cgroupDirs.stream().map(Path::toString).toList(), hostMounts, volumeNames, address.orElse(""), 0);
    save(stored);
    return view(stored);
  }

  /** The container's root must own its writable layer, or it cannot write its own root file system. */
  private static void chownForUserNamespace(RunSpec spec, List<Path> dirs) throws IOException {
    long uid = spec.uidMappings().stream().mapToLong(m -> m.hostOf(0)).filter(v -> v >= 0).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("uidmap: container root (0) is not mapped"));
    long gid = spec.gidMappings().stream().mapToLong(m -> m.hostOf(0)).filter(v -> v >= 0).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("gidmap: container root group (0) is not mapped"));
    for (Path d : dirs) {
      Files.setAttribute(d, "unix:uid", (int) uid);
      Files.setAttribute(d, "unix:gid", (int) gid);
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }

  private static List<String> environment(List<String> given, String hostname, ContainerUser user) {
    var env = new ArrayList<String>();
    if (given.stream().noneMatch(e -> e.startsWith("PATH="))) env.add("PATH=" + DEFAULT_PATH);
    env.add("HOSTNAME=" + hostname);
    env.addAll(given);
    if (env.stream().noneMatch(e -> e.startsWith("HOME="))) env.add("HOME=" + user.home());
    return env;
  }

  private static String overlayOptions(ContainerPlan p) {
    return "lowerdir=" + String.join(":", p.lowers().stream().map(Path::toString).toList()) + ",upperdir=" + p.upper() + ",workdir=" + p.work();
  }

  private Path runtimeRoot(OciRuntime runtime) {
    return root.resolve("runtime").resolve(runtime.command());
  }

  /** crun 1.8 refuses hybrid hosts unless a v1 hugetlb hierarchy is mounted (see PEERS.md). */
  private static void checkCrunHybrid() {
    if (Files.isDirectory(Path.of("/sys/fs/cgroup/unified")) && !Files.exists(Path.of("/sys/fs/cgroup/hugetlb/cgroup.procs"))) {
      throw new IllegalArgumentException("runtime crun: this hybrid cgroup host needs a v1 hugetlb hierarchy: "
          + "mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb");
    }
  }

  /**
   * Starts a created container.
   *
   * @param idOrName the container
   * @param attach true: stream its output here and wait for it, returning its exit code; false: start it
   *     in the background and return 0 once it runs
   * @return the exit code (attached) or 0
   * @throws ShimException when it could not start (detached; attached runs return the code)
   * @throws IOException when the shim cannot be launched
   * @throws InterruptedException when interrupted while waiting
   */
  public int start(String idOrName, boolean attach) throws IOException, InterruptedException {
    return launch(idOrName, attach, Optional.empty());
  }

  /**
   * Starts a created container and waits for it, its stdout and stderr merged into {@code output}
   * (for callers that render the output themselves, such as the build engine); stdin is empty.
   *
   * @param idOrName the container
   * @param output receives the container's output as it comes; not closed
   * @return the exit code
   * @throws IOException when the shim cannot be launched or {@code output} fails
   * @throws InterruptedException when interrupted while waiting
   */
  public int startAttached(String idOrName, java.io.OutputStream output) throws IOException, InterruptedException {
    return launch(idOrName, true, Optional.of(output));
  }

  private int launch(String idOrName, boolean attach, Optional<java.io.OutputStream> output) throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    if (view(c).status() != ContainerStatus.CREATED) throw new IllegalArgumentException("container " + idOrName + ": already started");
    Path dir = containersDir.resolve(c.id());
    Path shim = Shims.extract(root.resolve("bin"));
    if (c.runtime() != OciRuntime.SHIM) mountHost(c);
    Path bundle = dir.resolve("bundle");
    Path startPlan = bundle.resolve("start.plan");
    AtomicFiles.write(startPlan, Files.readString(bundle.resolve("shim.plan")) + (attach ? "attach\n" : "detach\n"));
    ProcessBuilder pb = new ProcessBuilder(shim.toString(), startPlan.toString());
    if (output.isPresent()) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true);
    } else if (attach) {
      pb.inheritIO();
    } else {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(dir.resolve("shim.err").toFile());
    }
    Process p = pb.start();
    save(c.withMonitorPid(p.pid()));
    if (attach) {
      if (output.isPresent()) {
        try (var in = p.getInputStream()) {
          in.transferTo(output.get());
        }
      }
      int code = p.waitFor();
      afterExit(c.id());
      return code;
    }
    Instant deadline = Instant.now().plusSeconds(10);
    while (readStatus(c.id()).isEmpty() && p.isAlive() && Instant.now().isBefore(deadline)) Thread.sleep(5);
    Container v = view(require(c.id()));
    if (v.error().isPresent()) {
      String msg = v.error().get();
      throw new ShimException(msg.startsWith("exec ") ? "exec" : "start", v.exitCode().orElse(125) == 127 ? ShimException.ENOENT : 0,
          "container " + c.id().substring(0, 12) + ": " + msg);
    }
    return 0;
  }

  private void mountHost(StoredContainer c) throws IOException, InterruptedException {
    Path dir = containersDir.resolve(c.id());
    if (c.hostMounts().size() == 2) {
      Path storage = Path.of(c.hostMounts().getFirst());
      command("mount", "-t", "tmpfs", "-o", "size=" + Files.readString(dir.resolve("storage.size")).trim(), "kiln-storage", storage.toString());
      Files.createDirectories(storage.resolve("upper"));
      Files.createDirectories(storage.resolve("work"));
    }
    command("mount", "-t", "overlay", "-o", Files.readString(dir.resolve("overlay.options")), "overlay", dir.resolve("bundle/rootfs").toString());
  }

  /** Runs a host command; returns its output, or throws with it when the command fails. */
  private static String command(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) throw new IOException(String.join(" ", args) + ": " + out);
    return out;
  }

  private void afterExit(String id) throws IOException, InterruptedException {
    StoredContainer c = require(id);
    unmountHost(c);
    if (c.autoRemove()) remove(id, true);
  }

  private void unmountHost(StoredContainer c) throws IOException, InterruptedException {
    Path dir = containersDir.resolve(c.id());
    for (String m : mountsUnder(dir)) command("umount", "-l", m);
  }

  /** Mount points under DIR, deepest first, from /proc/self/mountinfo. */
  private static List<String> mountsUnder(Path dir) throws IOException {
    String prefix = dir.toString() + "/";
    var found = new TreeSet<String>(java.util.Comparator.reverseOrder());
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mp = line.split(" ")[4].replace("\\040", " ");
      if (mp.startsWith(prefix) || mp.equals(dir.toString())) found.add(mp);
    }
    return new ArrayList<>(found);
  }

  /**
   * Sends a signal to the container's process (through the shim's init, which forwards it).
   *
   * @param idOrName the container
   * @param signal a name such as {@code TERM}/{@code SIGTERM} or a number
   * @throws IllegalArgumentException when it is not running or the signal is unknown
   */
  public void kill(String idOrName, String signal) throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    Container v = view(c);
    if (v.status() != ContainerStatus.RUNNING) throw new IllegalArgumentException("container " + idOrName + ": not running");
    String sig = signal.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
    if (!sig.matches("[0-9]+|[A-Z0-9+-]+")) throw new IllegalArgumentException("signal " + signal + ": unknown");
    if (c.runtime() != OciRuntime.SHIM) {
      command(c.runtime().command(), "--root", runtimeRoot(c.runtime()).toString(), "kill", c.id(), sig);
    } else if (sig.equals("KILL") || sig.equals("9")) {
      command("kill", "-s", "KILL", Long.toString(v.pid())); // init dies, and with it the whole PID namespace
    } else {
      command("kill", "-s", sig, Long.toString(c.monitorPid()));
    }
  }

  /**
   * Stops a container: SIGTERM, then SIGKILL after the timeout.
   *
   * @param idOrName the container
   * @param timeout grace period
   * @return the container after it stopped
   */
  public Container stop(String idOrName, Duration timeout) throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    if (view(c).status() == ContainerStatus.RUNNING) {
      kill(c.id(), "TERM");
      if (!awaitExit(c, timeout)) {
        kill(c.id(), "KILL");
        awaitExit(c, Duration.ofSeconds(10));
      }
    }
    return view(require(c.id()));
  }

  private boolean awaitExit(StoredContainer c, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (view(c).status() != ContainerStatus.RUNNING) return true;
      Thread.sleep(20);
    }
    return view(c).status() != ContainerStatus.RUNNING;
  }

  /**
   * Waits for a container to exit.
   *
   * @param idOrName the container
   * @param timeout how long to wait
   * @return the container, exited unless the timeout passed
   */
  public Container await(String idOrName, Duration timeout) throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    awaitExit(c, timeout);
    return view(c);
  }

  /**
   * Removes a container: its cgroups, mounts and files. Its logs stay until their retention ends.
   *
   * @param idOrName the container
   * @param force kill it first when it runs
   * @throws IllegalArgumentException when it runs and force is false
   */
  public void remove(String idOrName, boolean force) throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    if (view(c).status() == ContainerStatus.RUNNING) {
      if (!force) throw new IllegalArgumentException("container " + idOrName + ": running; stop it first or use rm -f");
      kill(c.id(), "KILL");
      if (!awaitExit(c, Duration.ofSeconds(10))) throw new IOException("container " + idOrName + ": still running 10 s after SIGKILL");
    }
    Path dir = containersDir.resolve(c.id());
    unmountHost(c);
    cgroups.remove(c.id());
    deleteVeth(c.id());
    if (!mountsUnder(dir).isEmpty()) throw new IOException("container " + c.id() + ": mounts remain under " + dir);
    logs.markRemoved(c.id());
    LogStore.deleteTree(dir);
  }

  // The kernel deletes a veth pair by itself once the container's network namespace is gone, so
  // the device can vanish between the check and the delete: only a veth still there is an error.
  private static boolean deleteVeth(String id) throws IOException, InterruptedException {
    Path device = Path.of("/sys/class/net", BridgeNetwork.hostVeth(id));
    if (!Files.exists(device)) return false;
    try {
      command("ip", "link", "del", device.getFileName().toString());
      return true;
    } catch (IOException e) {
      if (Files.exists(device)) throw e;
      return false;
    }
  }

  /**
   * Runs one more process in a running container, attached to this process's stdio.
   *
   * @param idOrName the container
   * @param args the command
   * @param extraEnv {@code KEY=VALUE} entries added to the container's environment
   * @param user user to run as; empty for the container's user
   * @param cwd working directory; empty for /
   * @param interactive keep stdin open
   * @param tty give the process a pseudo-terminal (shim runtime only)
   * @return the process's exit code
   */
  public int exec(String idOrName, List<String> args, List<String> extraEnv, String user, String cwd, boolean interactive, boolean tty)
      throws IOException, InterruptedException {
    StoredContainer c = require(idOrName);
    Container v = view(c);
    if (v.status() != ContainerStatus.RUNNING) throw new IllegalArgumentException("container " + idOrName + ": not running");
    if (args.isEmpty()) throw new IllegalArgumentException("exec: no command given");
    ProcessBuilder pb;
    Path plan = null;
    if (c.runtime() == OciRuntime.SHIM) {
      List<Path> containerRoot = List.of(Path.of("/proc/" + v.pid() + "/root"));
      ContainerUser u = user.isEmpty() ? new ContainerUser(c.uid(), c.gid(), c.groups(), "/") : ContainerUser.resolve(user, containerRoot);
      var env = new ArrayList<>(c.env());
      env.addAll(extraEnv);
      String path = env.stream().filter(e -> e.startsWith("PATH=")).reduce((a, b) -> b).orElse("PATH=" + DEFAULT_PATH).substring(5);
      if (!RootFs.hasCommand(containerRoot, args.getFirst(), path)) {
        throw new ShimException("exec", ShimException.ENOENT, "exec " + args.getFirst() + ": executable file not found in $PATH");
      }
      plan = containersDir.resolve(c.id()).resolve("exec-" + HexFormat.of().formatHex(randomBytes()).substring(0, 8) + ".plan");
      ShimPlan.forExec(c, v.pid(), args, env, u, cwd.isEmpty() ? "/" : cwd, interactive, tty).writeTo(plan);
      pb = new ProcessBuilder(Shims.extract(root.resolve("bin")).toString(), plan.toString());
    } else {
      if (tty) throw new IllegalArgumentException("exec -t: only the kiln shim runtime allocates terminals");
      var cmd = new ArrayList<>(List.of(c.runtime().command(), "--root", runtimeRoot(c.runtime()).toString(), "exec"));
      if (!cwd.isEmpty()) cmd.addAll(List.of("--cwd", cwd));
      for (String e : extraEnv) cmd.addAll(List.of("--env", e));
      if (!user.isEmpty()) cmd.addAll(List.of("--user", user));
      cmd.add(c.id());
      cmd.addAll(args);
      pb = new ProcessBuilder(cmd);
    }
    pb.inheritIO();
    if (!interactive) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      return pb.start().waitFor();
    } finally {
      if (plan != null) Files.deleteIfExists(plan);
    }
  }

  /**
   * @param idOrName the container
   * @return its resource use from its cgroup
   */
  public ContainerStats stats(String idOrName) throws IOException {
    return cgroups.stats(require(idOrName).id());
  }

  /**
   * @param all include containers that are not running
   * @return containers, newest first; exited {@code --rm} containers are removed on the way
   */
  public List<Container> list(boolean all) throws IOException {
    var out = new ArrayList<Container>();
    for (StoredContainer c : stored()) {
      Container v = view(c);
      if (v.status() == ContainerStatus.EXITED && c.autoRemove()) {
        try {
          remove(c.id(), false);
        } catch (IOException | InterruptedException | IllegalArgumentException e) {
          // a detached --rm container is cleaned on a later listing or by system prune
        }
        continue;
      }
      if (all || v.status() == ContainerStatus.RUNNING) out.add(v);
    }
    out.sort(java.util.Comparator.comparing(Container::created).reversed());
    return out;
  }

  /**
   * @param idOrName id, unique id prefix, or name
   * @return the container if it exists
   */
  public Optional<Container> find(String idOrName) throws IOException {
    Optional<StoredContainer> c = lookup(idOrName);
    return c.isPresent() ? Optional.of(view(c.get())) : Optional.empty();
  }

  /**
   * @return the layer directories that containers of any status stack, read from each one's
   *     {@code lowers} file
   * @throws IOException when a container's list cannot be read (a container made before kiln
   *     kept one makes this fail, so nothing it may use is collected)
   */
  public java.util.Set<Path> lowerDirs() throws IOException {
    var out = new java.util.HashSet<Path>();
    for (StoredContainer c : stored()) {
      Path list = containersDir.resolve(c.id()).resolve("lowers");
      try {
        Files.readAllLines(list).stream().filter(l -> !l.isEmpty()).map(Path::of).forEach(out::add);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new IOException("container " + c.id().substring(0, 12) + ": no list of its layers (" + list + ")", e);
      }
    }
    return out;
  }

  /**
   * @param volume a volume name
   * @return the containers (of any status) that mount it
   */
  public List<Container> usersOfVolume(String volume) throws IOException {
    var out = new ArrayList<Container>();
    for (StoredContainer c : stored()) {
      if (c.volumes().contains(volume)) out.add(view(c));
    }
    return out;
  }

  /** What {@link #prune()} cleaned ({@code veths} includes the kiln bridge when nothing used it). */
  public record PruneReport(List<String> containers, List<String> cgroups, List<String> mounts, List<String> veths, List<String> logs) {}

  /**
   * Cleans what crashes and detached {@code --rm} runs left: exited auto-remove containers; cgroups,
   * mounts and veths of this root's containers that do not run; empty kiln cgroups of no root; the
   * bridge once no container is plugged into it; and expired logs.
   *
   * @return what was cleaned
   */
  public PruneReport prune() throws IOException, InterruptedException {
    var removed = new ArrayList<String>();
    var live = new java.util.HashSet<String>();
    for (StoredContainer c : stored()) {
      Container v = view(c);
      if (v.status() == ContainerStatus.EXITED && c.autoRemove()) {
        remove(c.id(), false);
        removed.add(c.id());
      } else if (v.status() != ContainerStatus.EXITED) {
        live.add(c.id());
      }
    }
    // cgroups and veths are host-wide while roots are not: touch only what is this root's, or
    // cgroups of no root at all that hold no process (another root's live containers stay intact)
    var known = new java.util.HashSet<String>();
    for (StoredContainer c : stored()) known.add(c.id());
    var cg = new ArrayList<String>();
    for (String id : cgroups.existing()) {
      if (live.contains(id)) continue;
      if (known.contains(id) || cgroups.stats(id).pids().orElse(0) == 0) {
        cgroups.remove(id);
        cg.add(id);
      }
    }
    var mounts = new ArrayList<String>();
    for (String m : mountsUnder(containersDir)) {
      String id = containersDir.relativize(Path.of(m)).getName(0).toString();
      if (!live.contains(id)) {
        command("umount", "-l", m);
        mounts.add(m);
      }
    }
    var veths = new ArrayList<String>();
    for (String id : known) {
      if (!live.contains(id) && deleteVeth(id)) {
        veths.add(BridgeNetwork.hostVeth(id));
      }
    }
    if (Files.isDirectory(Path.of("/sys/class/net", BridgeNetwork.BRIDGE))
        && command("flock", BridgeNetwork.LOCK, "sh", "-c", BridgeNetwork.teardownScript()).contains("removed")) {
      veths.add(BridgeNetwork.BRIDGE);
    }
    return new PruneReport(removed, cg, mounts, veths, logs.prune());
  }

  // ---- state on disk ----

  private void save(StoredContainer c) throws IOException {
    AtomicFiles.write(containersDir.resolve(c.id()).resolve("state.json"), JSON.writeValueAsString(c));
  }

  private List<StoredContainer> stored() throws IOException {
    var out = new ArrayList<StoredContainer>();
    if (!Files.isDirectory(containersDir)) return out;
    try (Stream<Path> s = Files.list(containersDir)) {
      for (Path p : s.toList()) {
        Path state = p.resolve("state.json");
        if (Files.exists(state)) out.add(JSON.readValue(state.toFile(), StoredContainer.class));
      }
    }
    return out;
  }

  private Optional<StoredContainer> lookup(String idOrName) throws IOException {
    List<StoredContainer> all = stored();
    for (StoredContainer c : all) {
      if (c.id().equals(idOrName) || c.name().equals(idOrName)) return Optional.of(c);
    }
    List<StoredContainer> byPrefix = all.stream().filter(c -> c.id().startsWith(idOrName)).toList();
    return byPrefix.size() == 1 && !idOrName.isEmpty() ? Optional.of(byPrefix.getFirst()) : Optional.empty();
  }

  private StoredContainer require(String idOrName) throws IOException {
    return lookup(idOrName).orElseThrow(() -> new IllegalArgumentException("container " + idOrName + ": no such container"));
  }

  private List<JsonNode> readStatus(String id) throws IOException {
    Path f = containersDir.resolve(id).resolve("status");
    var out = new ArrayList<JsonNode>();
    if (!Files.exists(f)) return out;
    for (String line : Files.readAllLines(f)) {
      if (line.endsWith("}")) out.add(JSON.readTree(line)); // a line being written is skipped
    }
    return out;
  }

  /** The OOM verdict is read from the cgroup once after exit and kept, so pruning cgroups loses nothing. */
  private boolean oomKilled(String id) throws IOException {
    Path verdict = containersDir.resolve(id).resolve("oom-killed");
    if (Files.exists(verdict)) return Files.readString(verdict).trim().equals("true");
    boolean oom = cgroups.oomKilled(id);
    if (Files.isDirectory(verdict.getParent())) AtomicFiles.write(verdict, Boolean.toString(oom));
    return oom;
  }

  private Container view(StoredContainer c) throws IOException {
    List<JsonNode> lines = readStatus(c.id());
    boolean monitorAlive = c.monitorPid() > 0 && ProcessHandle.of(c.monitorPid()).map(ProcessHandle::isAlive).orElse(false);
    ContainerStatus status;
    long pid = 0;
    OptionalInt exit = OptionalInt.empty();
    Optional<String> error = Optional.empty();
    if (lines.isEmpty()) {
      status = c.monitorPid() == 0 ? ContainerStatus.CREATED : monitorAlive ? ContainerStatus.RUNNING : ContainerStatus.EXITED;
      if (status == ContainerStatus.EXITED) error = Optional.of("the shim ended before starting the container (see shim.err)");
    } else {
      status = ContainerStatus.EXITED;
      for (JsonNode n : lines) {
        switch (n.path("status").asText()) {
          case "running" -> {
            pid = n.path("pid").asLong();
            if (monitorAlive) status = ContainerStatus.RUNNING;
          }
          case "exited" -> {
            exit = OptionalInt.of(n.path("exitCode").asInt());
            status = ContainerStatus.EXITED;
          }
          case "error" -> error = Optional.of(n.path("message").asText());
          default -> { }
        }
      }
      if (status == ContainerStatus.EXITED && exit.isEmpty()) {
        if (error.isPresent()) exit = OptionalInt.of(error.get().startsWith("exec ") ? 127 : 125);
        else error = Optional.of("the shim was killed before the container exited");
      }
      if (status == ContainerStatus.RUNNING) {
        // init ends a moment before the monitor reports it
        exit = OptionalInt.empty();
      }
    }
    boolean oom = status == ContainerStatus.EXITED && oomKilled(c.id());
    return new Container(c.id(), c.name(), c.image(), c.command(), c.runtime(), Instant.parse(c.created()), status,
        status == ContainerStatus.RUNNING ? pid : 0, exit, oom, error, c.address().isEmpty() ? Optional.empty() : Optional.of(c.address()));
  }
}
