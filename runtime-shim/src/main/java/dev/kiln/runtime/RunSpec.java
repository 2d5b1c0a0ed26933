package dev.kiln.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to run and how: the image's defaults merged with the user's options. {@link #args()} is
 * entrypoint + cmd. Build one with {@link #builder()} or start from an image config with
 * {@link #fromImageConfig}.
 *
 * @param entrypoint the entrypoint (may be empty)
 * @param cmd the command or the entrypoint's arguments
 * @param env {@code KEY=VALUE} entries, later ones win
 * @param user {@code user[:group]} by name or number; empty for root
 * @param cwd working directory inside the container; empty for /
 * @param hostname hostname; empty for the container id's first 12 characters
 * @param mounts extra mounts (binds, volumes, tmpfs) in order
 * @param readOnlyRoot whether the root file system is read-only
 * @param network network mode
 * @param ports published ports (bridge mode only)
 * @param limits cgroup and storage limits
 * @param capAdd capabilities added to Docker's default set
 * @param capDrop capabilities dropped from it
 * @param noNewPrivileges whether setuid binaries gain nothing
 * @param seccomp whether the default seccomp filter is applied
 * @param rlimits resource limits
 * @param interactive whether stdin is kept open
 * @param tty whether the process gets a pseudo-terminal (shim runtime only)
 * @param uidMappings user-namespace UID mappings; empty: no user namespace
 * @param gidMappings user-namespace GID mappings (required with UID mappings)
 */
public record RunSpec(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String user,
    String cwd,
    String hostname,
    List<Mount> mounts,
    boolean readOnlyRoot,
    NetworkMode network,
    List<PortMapping> ports,
    Limits limits,
    Set<String> capAdd,
    Set<String> capDrop,
    boolean noNewPrivileges,
    boolean seccomp,
    List<Rlimit> rlimits,
    boolean interactive,
    boolean tty,
    List<IdMap> uidMappings,
    List<IdMap> gidMappings) {

  /** Copies the collections and checks the combination. */
  public RunSpec {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(cwd, "cwd");
    Objects.requireNonNull(hostname, "hostname");
    mounts = List.copyOf(mounts);
    Objects.requireNonNull(network, "network");
    ports = List.copyOf(ports);
    Objects.requireNonNull(limits, "limits");
    capAdd = Set.copyOf(capAdd);
    capDrop = Set.copyOf(capDrop);
    rlimits = List.copyOf(rlimits);
    uidMappings = List.copyOf(uidMappings);
    gidMappings = List.copyOf(gidMappings);
    if (uidMappings.isEmpty() != gidMappings.isEmpty()) throw new IllegalArgumentException("uidmap/gidmap: give both or neither");
    for (String e : env) {
      if (e.indexOf('=') <= 0) throw new IllegalArgumentException("env " + e + ": expected KEY=VALUE");
    }
    if (!cwd.isEmpty() && !cwd.startsWith("/")) throw new IllegalArgumentException("workdir " + cwd + ": must be absolute");
    if (!ports.isEmpty() && network != NetworkMode.BRIDGE) {
      throw new IllegalArgumentException("publish " + ports.getFirst().hostPort() + ": ports need --network bridge");
    }
    Capabilities.resolve(capAdd, capDrop); // rejects unknown names before anything starts
  }

  /** @return entrypoint followed by cmd: the process to run */
  public List<String> args() {
    var all = new ArrayList<>(entrypoint);
    all.addAll(cmd);
    return all;
  }

  /** @return a builder with Docker's defaults (no network isolation loss: {@code none}) */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults an image config gives, as Docker applies them; the caller overrides with flags.
   *
   * @param entrypoint config {@code Entrypoint}
   * @param cmd config {@code Cmd}
   * @param env config {@code Env}
   * @param user config {@code User} (may be empty)
   * @param workdir config {@code WorkingDir} (may be empty)
   * @return a builder holding them
   */
  public static Builder fromImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String user, String workdir) {
    return builder().entrypoint(entrypoint).cmd(cmd).env(env).user(user).cwd(workdir);
  }

  /** @return a builder holding this spec's values */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.entrypoint = entrypoint; b.cmd = cmd; b.env = new ArrayList<>(env); b.user = user; b.cwd = cwd;
    b.hostname = hostname; b.mounts = new ArrayList<>(mounts); b.readOnlyRoot = readOnlyRoot; b.network = network;
    b.ports = new ArrayList<>(ports); b.limits = limits; b.capAdd = capAdd; b.capDrop = capDrop;
    b.noNewPrivileges = noNewPrivileges; b.seccomp = seccomp; b.rlimits = new ArrayList<>(rlimits); b.interactive = interactive; b.tty = tty;
    b.uidMappings = new ArrayList<>(uidMappings); b.gidMappings = new ArrayList<>(gidMappings);
    return b;
  }

  /** Builds a {@link RunSpec}; not thread-safe. */
  public static final class Builder {
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of();
    private List<String> env = new ArrayList<>();
    private String user = "";
    private String cwd = "";
    private String hostname = "";
    private List<Mount> mounts = new ArrayList<>();
    private boolean readOnlyRoot;
    private NetworkMode network = NetworkMode.NONE;
    private List<PortMapping> ports = new ArrayList<>();
    private Limits limits = Limits.NONE;
    private Set<String> capAdd = Set.of();
    private Set<String> capDrop = Set.of();
    private boolean noNewPrivileges;
    private boolean seccomp = true;
    private List<Rlimit> rlimits = new ArrayList<>();
    private boolean interactive;
    private boolean tty;
    private List<IdMap> uidMappings = new ArrayList<>();
    private List<IdMap> gidMappings = new ArrayList<>();

    private Builder() {}

    /** @param v entrypoint @return this */
    public Builder entrypoint(List<String> v) { entrypoint = List.copyOf(v); return this; }
    /** @param v command @return this */
    public Builder cmd(List<String> v) { cmd = List.copyOf(v); return this; }
    /** @param v all environment entries @return this */
    public Builder env(List<String> v) { env = new ArrayList<>(v); return this; }
    /** @param entry {@code KEY=VALUE}, replacing an earlier KEY @return this */
    public Builder addEnv(String entry) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry : entry.substring(0, eq + 1);
      env.removeIf(e -> e.startsWith(key));
      env.add(entry);
      return this;
    }
    /** @param v user @return this */
    public Builder user(String v) { user = v; return this; }
    /** @param v working directory @return this */
    public Builder cwd(String v) { cwd = v; return this; }
    /** @param v hostname @return this */
    public Builder hostname(String v) { hostname = v; return this; }
    /** @param m mount to add @return this */
    public Builder addMount(Mount m) { mounts.add(m); return this; }
    /** @param v read-only root @return this */
    public Builder readOnlyRoot(boolean v) { readOnlyRoot = v; return this; }
    /** @param v network mode @return this */
    public Builder network(NetworkMode v) { network = v; return this; }
    /** @param p port to publish @return this */
    public Builder addPort(PortMapping p) { ports.add(p); return this; }
    /** @param v limits @return this */
    public Builder limits(Limits v) { limits = v; return this; }
    /** @param v capabilities to add @return this */
    public Builder capAdd(Set<String> v) { capAdd = Set.copyOf(v); return this; }
    /** @param v capabilities to drop @return this */
    public Builder capDrop(Set<String> v) { capDrop = Set.copyOf(v); return this; }
    /** @param v no_new_privs @return this */
    public Builder noNewPrivileges(boolean v) { noNewPrivileges = v; return this; }
    /** @param v default seccomp filter @return this */
    public Builder seccomp(boolean v) { seccomp = v; return this; }
    /** @param r resource limit to add @return this */
    public Builder addRlimit(Rlimit r) { rlimits.add(r); return this; }
    /** @param v keep stdin open @return this */
    public Builder interactive(boolean v) { interactive = v; return this; }

    /** @param v allocate a pseudo-terminal @return this */
    public Builder tty(boolean v) { tty = v; return this; }
    /** @param m UID mapping to add (a user namespace is made) @return this */
    public Builder addUidMapping(IdMap m) { uidMappings.add(m); return this; }
    /** @param m GID mapping to add @return this */
    public Builder addGidMapping(IdMap m) { gidMappings.add(m); return this; }

    /** @return the spec @throws IllegalArgumentException on an invalid combination */
    public RunSpec build() {
      return new RunSpec(entrypoint, cmd, env, user, cwd, hostname, mounts, readOnlyRoot, network, ports, limits,
          capAdd, capDrop, noNewPrivileges, seccomp, rlimits, interactive, tty, uidMappings, gidMappings);
    }
  }
}
