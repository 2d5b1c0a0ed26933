package dev.kiln.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything resolved for one container run: the input of both bundle writers ({@link OciConfig}
 * for config.json, {@link ShimPlan} for shim.plan), so crun, runc and the shim see the same thing.
 */
record ContainerPlan(
    String id,
    RunSpec spec,
    List<String> args,
    List<String> env,
    ContainerUser user,
    String cwd,
    String hostname,
    List<Path> lowers,
    Path rootfs,
    Path upper,
    Path work,
    Optional<Path> storage,
    List<Mount> mounts,
    Set<String> capabilities,
    List<Path> cgroupDirs,
    String cgroupsPath,
    Path logFile,
    long logMaxBytes,
    int logMaxFiles,
    Path statusFile,
    Optional<Path> networkHook,
    Optional<String> address) {

  ContainerPlan {
    args = List.copyOf(args);
    env = List.copyOf(env);
    lowers = List.copyOf(lowers);
    mounts = List.copyOf(mounts);
    capabilities = Set.copyOf(capabilities);
    cgroupDirs = List.copyOf(cgroupDirs);
  }

  /** runc's default masked paths (libcontainer/specconv/example.go). */
  static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
      "/sys/firmware", "/sys/devices/virtual/powercap");

  /** runc's default read-only paths. */
  static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** The mounts every container gets, as runc's default spec and Docker give them. */
  static List<Mount> defaultMounts() {
    return List.of(
        new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
        new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
  }
}
