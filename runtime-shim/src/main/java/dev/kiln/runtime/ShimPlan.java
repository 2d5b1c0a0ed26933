package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code shim.plan}, the flat line format the C shim reads (runtime-shim/src/main/c/plan.c):
 * {@code key<TAB>field…}, fields escaped with {@code \\ \t \n}, an empty field written as {@code -}.
 */
final class ShimPlan {
  private final StringBuilder text = new StringBuilder();

  /** Appends one line. */
  ShimPlan line(String key, Object... fields) {
    text.append(key);
    for (Object f : fields) {
      String s = String.valueOf(f);
      text.append('\t').append(s.isEmpty() ? "-" : s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n"));
    }
    text.append('\n');
    return this;
  }

  /** @return the plan text */
  String text() {
    return text.toString();
  }

  /** Writes the plan atomically to FILE. */
  void writeTo(Path file) throws IOException {
    AtomicFiles.write(file, text.toString());
  }

  /** The plan that runs a container with the shim's own init. */
  static ShimPlan forContainer(ContainerPlan p, boolean attach, boolean detach) {
    var plan = new ShimPlan();
    plan.line("rootfs", p.rootfs());
    for (Path l : p.lowers()) plan.line("lower", l);
    plan.line("upper", p.upper(), p.work());
    p.storage().ifPresent(s -> plan.line("storage", s, p.spec().limits().storageBytes().getAsLong()));
    for (String ns : namespaces(p.spec())) plan.line("namespace", ns);
    for (IdMap m : p.spec().uidMappings()) plan.line("uidmap", m.containerId(), m.hostId(), m.size());
    for (IdMap m : p.spec().gidMappings()) plan.line("gidmap", m.containerId(), m.hostId(), m.size());
    for (Mount m : p.mounts()) plan.line("mount", m.source(), m.destination(), m.type(), String.join(",", m.options()));
    for (String m : ContainerPlan.MASKED_PATHS) plan.line("masked", m);
    for (String r : ContainerPlan.READONLY_PATHS) plan.line("readonly", r);
    if (p.spec().readOnlyRoot()) plan.line("readonly-root");
    plan.line("hostname", p.hostname());
    for (Rlimit r : p.spec().rlimits()) plan.line("rlimit", r.type(), r.soft(), r.hard());
    if (p.spec().noNewPrivileges()) plan.line("no-new-privileges");
    String mask = Long.toHexString(Capabilities.mask(p.capabilities()));
    plan.line("capabilities", mask, mask, mask, "0", "0");
    if (p.spec().seccomp()) seccomp(plan, p.capabilities());
    process(plan, p.user(), p.cwd(), p.env(), p.args());
    for (Path c : p.cgroupDirs()) plan.line("cgroup", c);
    plan.line("log", p.logFile(), p.logMaxBytes(), p.logMaxFiles());
    plan.line("status", p.statusFile());
    p.networkHook().ifPresent(h -> plan.line("hook", h));
    publish(plan, p);
    if (attach) plan.line("attach");
    if (detach) plan.line("detach");
    if (p.spec().interactive()) plan.line("stdin");
    if (p.spec().tty()) plan.line("tty");
    return plan;
  }

  /** The plan that runs one more process inside a running container. */
  static ShimPlan forExec(StoredContainer c, long initPid, List<String> args, List<String> env, ContainerUser user, String cwd,
      boolean interactive, boolean tty) {
    var plan = new ShimPlan();
    plan.line("join", initPid);
    var caps = java.util.Set.copyOf(c.capabilities());
    String mask = Long.toHexString(Capabilities.mask(caps));
    plan.line("capabilities", mask, mask, mask, "0", "0");
    if (c.noNewPrivileges()) plan.line("no-new-privileges");
    if (c.seccomp()) seccomp(plan, caps);
    process(plan, user, cwd, env, args);
    for (String g : c.cgroupDirs()) plan.line("cgroup", g);
    plan.line("attach");
    if (interactive) plan.line("stdin");
    if (tty) plan.line("tty");
    return plan;
  }

  /** The plan that supervises an OCI runtime command (crun/runc run …) with the same logs and status. */
  static ShimPlan forRuntime(ContainerPlan p, List<String> command, boolean attach, boolean detach) {
    var plan = new ShimPlan();
    plan.line("host-command");
    for (String a : command) plan.line("arg", a);
    plan.line("log", p.logFile(), p.logMaxBytes(), p.logMaxFiles());
    plan.line("status", p.statusFile());
    publish(plan, p);
    if (attach) plan.line("attach");
    if (detach) plan.line("detach");
    if (p.spec().interactive()) plan.line("stdin");
    if (p.spec().tty()) plan.line("tty");
    return plan;
  }

  // The monitor proxies 127.0.0.1:HOSTPORT to the container's bridge address, whatever runs it.
  private static void publish(ShimPlan plan, ContainerPlan p) {
    for (PortMapping port : p.spec().ports()) plan.line("publish", port.hostPort(), p.address().orElseThrow(), port.containerPort());
  }

  static List<String> namespaces(RunSpec spec) {
    var ns = new java.util.ArrayList<>(List.of("mount", "pid", "uts", "ipc", "cgroup"));
    if (spec.network() != NetworkMode.HOST) ns.add("network");
    if (!spec.uidMappings().isEmpty()) ns.add("user");
    return ns;
  }

  private static void seccomp(ShimPlan plan, java.util.Set<String> capabilities) {
    for (SeccompProfile.Denied d : SeccompProfile.denied(capabilities)) plan.line("seccomp-deny", d.number(), 1);
    if (SeccompProfile.denyCloneNamespaces(capabilities)) plan.line("seccomp-deny-clone-namespaces");
  }

  private static void process(ShimPlan plan, ContainerUser user, String cwd, List<String> env, List<String> args) {
    plan.line("user", user.uid(), user.gid());
    for (int g : user.additionalGids()) plan.line("group", g);
    plan.line("cwd", cwd);
    for (String e : env) plan.line("env", e);
    for (String a : args) plan.line("arg", a);
  }
}
