package dev.kiln.runtime;

import java.util.List;
import java.util.Set;

/**
 * The seccomp policy kiln applies by default: the effect of Docker's default profile on x86_64,
 * written as a deny list. The syscalls Docker's allow-list leaves out fail with EPERM unless the
 * container holds the capability Docker's profile ties them to; {@code clone} may not create
 * namespaces without CAP_SYS_ADMIN; {@code clone3} fails with ENOSYS so libc falls back to clone;
 * other architectures are refused. This table is the single source: the shim builds its BPF from
 * the plan lines derived from it, and config.json gets the same rules for crun and runc.
 */
public final class SeccompProfile {
  private SeccompProfile() {}

  /**
   * One denied syscall.
   *
   * @param name syscall name
   * @param number x86_64 syscall number
   * @param capability capability that re-allows it, or null when it is always denied
   */
  record Denied(String name, int number, String capability) {}

  static final int CLONE = 56;
  static final int CLONE3 = 435;
  static final List<Long> NAMESPACE_FLAG_BITS = List.of(0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L, 0x40000000L);

  private static final List<Denied> DENIED = List.of(
      new Denied("acct", 163, "CAP_SYS_PACCT"),
      new Denied("add_key", 248, null),
      new Denied("bpf", 321, "CAP_SYS_ADMIN"),
      new Denied("clock_settime", 227, "CAP_SYS_TIME"),
      new Denied("settimeofday", 164, "CAP_SYS_TIME"),
      new Denied("create_module", 174, null),
      new Denied("delete_module", 176, "CAP_SYS_MODULE"),
      new Denied("finit_module", 313, "CAP_SYS_MODULE"),
      new Denied("init_module", 175, "CAP_SYS_MODULE"),
      new Denied("get_kernel_syms", 177, null),
      new Denied("query_module", 178, null),
      new Denied("get_mempolicy", 239, "CAP_SYS_NICE"),
      new Denied("mbind", 237, "CAP_SYS_NICE"),
      new Denied("set_mempolicy", 238, "CAP_SYS_NICE"),
      new Denied("move_pages", 279, "CAP_SYS_NICE"),
      new Denied("migrate_pages", 256, "CAP_SYS_NICE"),
      new Denied("iopl", 172, "CAP_SYS_RAWIO"),
      new Denied("ioperm", 173, "CAP_SYS_RAWIO"),
      new Denied("kcmp", 312, "CAP_SYS_PTRACE"),
      new Denied("process_vm_readv", 310, "CAP_SYS_PTRACE"),
      new Denied("process_vm_writev", 311, "CAP_SYS_PTRACE"),
      new Denied("kexec_file_load", 320, "CAP_SYS_BOOT"),
      new Denied("kexec_load", 246, "CAP_SYS_BOOT"),
      new Denied("reboot", 169, "CAP_SYS_BOOT"),
      new Denied("keyctl", 250, null),
      new Denied("request_key", 249, null),
      new Denied("lookup_dcookie", 212, "CAP_SYS_ADMIN"),
      new Denied("mount", 165, "CAP_SYS_ADMIN"),
      new Denied("umount2", 166, "CAP_SYS_ADMIN"),
      new Denied("pivot_root", 155, "CAP_SYS_ADMIN"),
      new Denied("name_to_handle_at", 303, "CAP_SYS_ADMIN"),
      new Denied("open_by_handle_at", 304, "CAP_DAC_READ_SEARCH"),
      new Denied("perf_event_open", 298, "CAP_SYS_ADMIN"),
      new Denied("quotactl", 179, "CAP_SYS_ADMIN"),
      new Denied("setns", 308, "CAP_SYS_ADMIN"),
      new Denied("unshare", 272, "CAP_SYS_ADMIN"),
      new Denied("swapon", 167, "CAP_SYS_ADMIN"),
      new Denied("swapoff", 168, "CAP_SYS_ADMIN"),
      new Denied("sysfs", 139, null),
      new Denied("_sysctl", 156, null),
      new Denied("uselib", 134, null),
      new Denied("userfaultfd", 323, null),
      new Denied("ustat", 136, null),
      new Denied("nfsservctl", 180, null),
      new Denied("syslog", 103, "CAP_SYSLOG"),
      new Denied("vhangup", 153, "CAP_SYS_TTY_CONFIG"),
      new Denied("fsconfig", 431, "CAP_SYS_ADMIN"),
      new Denied("fsmount", 432, "CAP_SYS_ADMIN"),
      new Denied("fsopen", 430, "CAP_SYS_ADMIN"),
      new Denied("fspick", 433, "CAP_SYS_ADMIN"),
      new Denied("move_mount", 429, "CAP_SYS_ADMIN"),
      new Denied("open_tree", 428, "CAP_SYS_ADMIN"),
      new Denied("mount_setattr", 442, "CAP_SYS_ADMIN"),
      new Denied("io_uring_setup", 425, null),
      new Denied("io_uring_enter", 426, null),
      new Denied("io_uring_register", 427, null),
      new Denied("afs_syscall", 183, null),
      new Denied("tuxcall", 184, null),
      new Denied("security", 185, null),
      new Denied("getpmsg", 181, null),
      new Denied("putpmsg", 182, null),
      new Denied("vserver", 236, null)
  );

  /**
   * @param capabilities the container's bounding set
   * @return the syscalls denied to a container holding those capabilities
   */
  static List<Denied> denied(Set<String> capabilities) {
    return DENIED.stream().filter(d -> d.capability() == null || !capabilities.contains(d.capability())).toList();
  }

  /**
   * @param capabilities the container's bounding set
   * @return whether clone's namespace flags are refused
   */
  static boolean denyCloneNamespaces(Set<String> capabilities) {
    return !capabilities.contains("CAP_SYS_ADMIN");
  }
}
