package dev.kiln.cli;

import dev.kiln.build.BuildEngine;
import dev.kiln.build.PipelinedUnpack;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.Layer;
import dev.kiln.remote.PullOptions;
import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.Container;
import dev.kiln.runtime.Containers;
import dev.kiln.runtime.IdMap;
import dev.kiln.runtime.Limits;
import dev.kiln.runtime.Mount;
import dev.kiln.runtime.NetworkMode;
import dev.kiln.runtime.OciRuntime;
import dev.kiln.runtime.PortMapping;
import dev.kiln.runtime.Rlimit;
import dev.kiln.runtime.RunSpec;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln run}: creates and starts a container from an image of the local store (its config's
 * entrypoint, cmd, env, user and workdir as defaults), or from a root file system directory.
 * The exit code is the container's.
 */
@Command(name = "run", description = "Run a command in a new container.")
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-d", "--detach"}, description = "Run in the background and print the container id.") boolean detach;
  @Option(names = "--rm", description = "Remove the container when it exits.") boolean remove;
  @Option(names = {"-i", "--interactive"}, description = "Keep stdin open.") boolean interactive;
  @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-terminal.") boolean tty;
  @Option(names = "--name", description = "Container name.") String name;
  @Option(names = {"-e", "--env"}, description = "Set KEY=VALUE (or pass KEY from this environment).") List<String> env = new ArrayList<>();
  @Option(names = "--env-file", description = "Read KEY=VALUE lines from a file.") List<Path> envFiles = new ArrayList<>();
  @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container.") String workdir;
  @Option(names = {"-u", "--user"}, description = "user[:group] by name or number.") String user;
  @Option(names = "--entrypoint", description = "Override the image's entrypoint.") String entrypoint;
  @Option(names = {"-v", "--volume"}, description = "HOST:CTR[:ro] bind mount or NAME:CTR[:ro] named volume.") List<String> volumes = new ArrayList<>();
  @Option(names = "--tmpfs", description = "CTR[:options] tmpfs mount.") List<String> tmpfs = new ArrayList<>();
  @Option(names = "--read-only", description = "Mount the root file system read-only.") boolean readOnly;
  @Option(names = {"-h", "--hostname"}, description = "Container hostname.") String hostname;
  @Option(names = "--network", description = "none, host or bridge (default none).") String network = "none";
  @Option(names = {"-p", "--publish"}, description = "HOSTPORT:CTRPORT on 127.0.0.1 (bridge).") List<String> publish = new ArrayList<>();
  @Option(names = {"-m", "--memory"}, description = "Memory limit, e.g. 256m.") String memory;
  @Option(names = "--cpus", description = "CPU quota, e.g. 1.5.") Double cpus;
  @Option(names = {"-c", "--cpu-shares"}, description = "Relative CPU weight.") Long cpuShares;
  @Option(names = "--pids-limit", description = "Maximum number of processes.") Long pidsLimit;
  @Option(names = "--storage-size", description = "Size of the writable layer, e.g. 100m (writes past it fail with ENOSPC).") String storageSize;
  @Option(names = "--init", description = "Accepted for compatibility: kiln's shim is always PID 1, reaping and forwarding.") boolean init;
  @Option(names = "--cap-add", description = "Add a capability (or ALL).") List<String> capAdd = new ArrayList<>();
  @Option(names = "--cap-drop", description = "Drop a capability (or ALL).") List<String> capDrop = new ArrayList<>();
  @Option(names = "--security-opt", description = "no-new-privileges[:true|false] or seccomp=unconfined.") List<String> securityOpts = new ArrayList<>();
  @Option(names = "--ulimit", description = "NAME=SOFT[:HARD], at most this host's hard limit.") List<String> ulimits = new ArrayList<>();
  @Option(names = "--uidmap", description = "CONTAINER:HOST:SIZE UID mapping in a user namespace.") List<String> uidmaps = new ArrayList<>();
  @Option(names = "--gidmap", description = "CONTAINER:HOST:SIZE GID mapping (defaults to the UID mappings).") List<String> gidmaps = new ArrayList<>();
  @Option(names = "--runtime", description = "shim (default), crun or runc.") String runtime = "shim";
  @Mixin RegistryOptions registry = new RegistryOptions();
  @Option(names = "--rootfs", description = "Run from this root file system directory instead of an image.") Path rootfs;
  @Parameters(description = "IMAGE [COMMAND [ARG...]] (with --rootfs: COMMAND [ARG...])") List<String> positional = new ArrayList<>();

  @Override
  public Integer call() {
    return ContainerCommands.call(this::run);
  }

  private int run() throws Exception {
    Containers containers = ContainerCommands.containers(spec);
    List<String> rest = new ArrayList<>(positional);
    List<Path> lowers;
    String image;
    RunSpec.Builder b;
    if (rootfs == null) {
      if (rest.isEmpty()) throw new IllegalArgumentException("run: IMAGE missing (or --rootfs DIR)");
      image = rest.removeFirst();
      if (Files.isDirectory(Path.of(image))) {
        lowers = List.of(Path.of(image));
        b = RunSpec.fromImageConfig(List.of(), List.of(), List.of(), "", "");
      } else {
        // An image of the store: its layers unpacked once each (shared with builds), top-most first.
        LayoutImageStore store = KilnCommand.of(spec).store();
        UnpackedLayers unpacked = BuildEngine.unpackedLayers(store);
        // Like docker run: an image missing from the store is pulled first, its layers unpacked
        // as they download.
        LayoutImage img;
        try (PipelinedUnpack tap = new PipelinedUnpack(unpacked, store.blobs())) {
          img = store.image(Transfers.ensureImage(store, image, registry::client,
              PullOptions.defaults().withTap(tap)));
          tap.await();
        }
        List<Path> dirs = new ArrayList<>();
        for (Layer l : img.layers()) dirs.addFirst(unpacked.unpack(l));
        if (dirs.isEmpty()) throw new IllegalArgumentException("image " + image + ": no layers");
        lowers = dirs;
        ImageConfig.ContainerConfig c = img.config().config();
        b = RunSpec.fromImageConfig(c.entrypoint(), c.cmd(), c.env(), c.user(), c.workingDir());
      }
    } else {
      image = rootfs.toString();
      if (!Files.isDirectory(rootfs)) throw new IllegalArgumentException("rootfs " + rootfs + ": not a directory");
      lowers = List.of(rootfs);
      b = RunSpec.fromImageConfig(List.of(), List.of(), List.of(), "", "");
    }
    if (entrypoint != null) b.entrypoint(entrypoint.isEmpty() ? List.of() : List.of(entrypoint)).cmd(List.of());
    if (!rest.isEmpty()) b.cmd(rest);
    for (Path f : envFiles) {
      if (!Files.isReadable(f)) throw new IllegalArgumentException("env-file " + f + ": not readable");
      for (String line : Files.readAllLines(f)) {
        if (!line.isBlank() && !line.startsWith("#")) b.addEnv(envEntry(line.trim()));
      }
    }
    for (String e : env) b.addEnv(envEntry(e));
    if (workdir != null) b.cwd(workdir);
    if (user != null) b.user(user);
    if (hostname != null) b.hostname(hostname);
    for (String v : volumes) b.addMount(containers.volumeMount(v));
    for (String t : tmpfs) b.addMount(tmpfsMount(t));
    b.readOnlyRoot(readOnly).network(NetworkMode.parse(network)).interactive(interactive).tty(tty);
    for (String p : publish) b.addPort(PortMapping.parse(p));
    Limits limits = Limits.NONE;
    if (memory != null) limits = limits.withMemoryBytes(Limits.parseSize("memory", memory));
    if (cpus != null) limits = limits.withCpus(cpus);
    if (cpuShares != null) limits = limits.withCpuShares(cpuShares);
    if (pidsLimit != null) limits = limits.withPids(pidsLimit);
    if (storageSize != null) limits = limits.withStorageBytes(Limits.parseSize("storage-size", storageSize));
    b.limits(limits);
    b.capAdd(Set.copyOf(capAdd.stream().map(Capabilities::canonical).toList()));
    b.capDrop(Set.copyOf(capDrop.stream().map(Capabilities::canonical).toList()));
    for (String s : securityOpts) {
      switch (s) {
        case "no-new-privileges", "no-new-privileges:true", "no-new-privileges=true" -> b.noNewPrivileges(true);
        case "no-new-privileges:false", "no-new-privileges=false" -> b.noNewPrivileges(false);
        case "seccomp=unconfined", "seccomp:unconfined" -> b.seccomp(false);
        default -> throw new IllegalArgumentException("security-opt " + s + ": expected no-new-privileges or seccomp=unconfined");
      }
    }
    for (String u : ulimits) b.addRlimit(Rlimit.parse(u));
    for (String m : uidmaps) b.addUidMapping(IdMap.parse(m));
    for (String m : gidmaps.isEmpty() ? uidmaps : gidmaps) b.addGidMapping(IdMap.parse(m));
    RunSpec spec = b.build();
    Container c = containers.create(Optional.ofNullable(name), image, lowers, spec, OciRuntime.parse(runtime), remove);
    if (detach) {
      containers.start(c.id(), false);
      System.out.println(c.id());
      return 0;
    }
    int code = containers.start(c.id(), true);
    if (!remove) {
      Container after = containers.find(c.id()).orElseThrow();
      if (after.oomKilled()) System.err.println("kiln: container " + after.shortId() + " was killed: out of memory (limit " + memory + ")");
    }
    return code;
  }

  private static String envEntry(String e) {
    if (e.contains("=")) return e;
    String v = System.getenv(e);
    if (v == null) throw new IllegalArgumentException("env " + e + ": expected KEY=VALUE (KEY is not set here either)");
    return e + "=" + v;
  }

  private static Mount tmpfsMount(String text) {
    int colon = text.indexOf(':');
    String dest = colon < 0 ? text : text.substring(0, colon);
    List<String> options = colon < 0 ? List.of() : List.of(text.substring(colon + 1).split(","));
    return Mount.tmpfs(dest, options);
  }

}
