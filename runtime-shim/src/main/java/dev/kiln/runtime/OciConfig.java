package dev.kiln.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an OCI runtime-spec {@code config.json} (runtime-spec v1.0.2,
 * https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md) for a {@link ContainerPlan},
 * so that crun and runc run the same container the shim runs. The root is {@code rootfs} in the
 * bundle: the caller mounts the overlay there before starting crun or runc.
 */
final class OciConfig {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OciConfig() {}

  /** @return config.json text for P */
  static String render(ContainerPlan p) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("ociVersion", "1.0.2");
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("terminal", p.spec().tty());
    process.put("user", Map.of("uid", p.user().uid(), "gid", p.user().gid(), "additionalGids", p.user().additionalGids()));
    process.put("args", p.args());
    process.put("env", p.env());
    process.put("cwd", p.cwd());
    List<String> caps = new ArrayList<>(p.capabilities());
    process.put("capabilities", Map.of("bounding", caps, "effective", caps, "permitted", caps));
    List<Map<String, Object>> rlimits = new ArrayList<>();
    for (Rlimit r : p.spec().rlimits()) rlimits.add(Map.of("type", r.type(), "soft", r.soft(), "hard", r.hard()));
    process.put("rlimits", rlimits);
    process.put("noNewPrivileges", p.spec().noNewPrivileges());
    root.put("process", process);
    root.put("root", Map.of("path", "rootfs", "readonly", p.spec().readOnlyRoot()));
    root.put("hostname", p.hostname());
    List<Map<String, Object>> mounts = new ArrayList<>();
    for (Mount m : p.mounts()) {
      mounts.add(Map.of("destination", m.destination(), "type", m.type(), "source", m.source(), "options", m.options()));
    }
    root.put("mounts", mounts);
    Map<String, Object> linux = new LinkedHashMap<>();
    List<Map<String, Object>> ns = new ArrayList<>();
    for (String n : ShimPlan.namespaces(p.spec())) ns.add(Map.of("type", n));
    linux.put("namespaces", ns);
    if (!p.spec().uidMappings().isEmpty()) {
      linux.put("uidMappings", mappings(p.spec().uidMappings()));
      linux.put("gidMappings", mappings(p.spec().gidMappings()));
    }
    linux.put("resources", resources(p.spec().limits()));
    linux.put("cgroupsPath", p.cgroupsPath());
    linux.put("maskedPaths", ContainerPlan.MASKED_PATHS);
    linux.put("readonlyPaths", ContainerPlan.READONLY_PATHS);
    if (p.spec().seccomp()) linux.put("seccomp", seccomp(p));
    root.put("linux", linux);
    // crun and runc plug the container into the bridge through the same hook the shim runs,
    // as an OCI createRuntime hook: its namespaces exist, its process has not started.
    p.networkHook().ifPresent(h -> root.put("hooks",
        Map.of("createRuntime", List.of(Map.of("path", h.toString(), "args", List.of(h.toString()))))));
    return JSON.writeValueAsString(root) + "\n";
  }

  /** Writes config.json into BUNDLE. */
  static void write(ContainerPlan p, Path bundle) throws IOException {
    AtomicFiles.write(bundle.resolve("config.json"), render(p));
  }

  private static List<Map<String, Object>> mappings(List<IdMap> maps) {
    return maps.stream().map(m -> Map.<String, Object>of("containerID", m.containerId(), "hostID", m.hostId(), "size", m.size())).toList();
  }

  private static Map<String, Object> resources(Limits l) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("devices", List.of(Map.of("allow", false, "access", "rwm")));
    l.memoryBytes().ifPresent(m -> r.put("memory", Map.of("limit", m, "swap", m)));
    Map<String, Object> cpu = new LinkedHashMap<>();
    l.cpus().ifPresent(c -> {
      cpu.put("quota", Math.max(1000, Math.round(c * 100000)));
      cpu.put("period", 100000);
    });
    l.cpuShares().ifPresent(s -> cpu.put("shares", s));
    if (!cpu.isEmpty()) r.put("cpu", cpu);
    l.pids().ifPresent(p -> r.put("pids", Map.of("limit", p)));
    return r;
  }

  /** The same rules as the shim's BPF, in the runtime-spec's seccomp form. */
  private static Map<String, Object> seccomp(ContainerPlan p) {
    List<Map<String, Object>> rules = new ArrayList<>();
    List<String> names = SeccompProfile.denied(p.capabilities()).stream().map(SeccompProfile.Denied::name).toList();
    rules.add(Map.of("names", names, "action", "SCMP_ACT_ERRNO", "errnoRet", 1));
    rules.add(Map.of("names", List.of("clone3"), "action", "SCMP_ACT_ERRNO", "errnoRet", 38));
    if (SeccompProfile.denyCloneNamespaces(p.capabilities())) {
      // one rule per flag: rules OR together, and "any flag set" has no single comparison
      for (long bit : SeccompProfile.NAMESPACE_FLAG_BITS) {
        rules.add(Map.of("names", List.of("clone"), "action", "SCMP_ACT_ERRNO", "errnoRet", 1,
            "args", List.of(Map.of("index", 0, "value", bit, "valueTwo", bit, "op", "SCMP_CMP_MASKED_EQ"))));
      }
    }
    return Map.of("defaultAction", "SCMP_ACT_ALLOW", "architectures", List.of("SCMP_ARCH_X86_64"), "syscalls", rules);
  }
}
