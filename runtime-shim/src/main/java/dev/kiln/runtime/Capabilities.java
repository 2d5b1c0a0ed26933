package dev.kiln.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Linux capability names and numbers, and Docker's default set. */
public final class Capabilities {
  private Capabilities() {}

  /** Capability names indexed by number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE). */
  private static final List<String> NAMES = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
      "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
      "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
      "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
      "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
      "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  /** Docker's default capability set (moby oci/caps/defaults.go). */
  public static final Set<String> DOCKER_DEFAULT = Set.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE");

  /**
   * Normalises a capability name: {@code net_admin} and {@code NET_ADMIN} become {@code CAP_NET_ADMIN}.
   *
   * @param name user input
   * @return the canonical name, or {@code ALL}
   * @throws IllegalArgumentException when the capability is unknown
   */
  public static String canonical(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.equals("ALL")) return n;
    if (!n.startsWith("CAP_")) n = "CAP_" + n;
    if (!NAMES.contains(n)) throw new IllegalArgumentException("capability " + name + ": unknown");
    return n;
  }

  /**
   * Docker's rule: start from the default set, drop then add ({@code ALL} allowed in both).
   *
   * @param add capabilities to add
   * @param drop capabilities to drop
   * @return the sorted resulting set
   */
  public static Set<String> resolve(Collection<String> add, Collection<String> drop) {
    var result = new TreeSet<>(DOCKER_DEFAULT);
    for (String d : drop) {
      String c = canonical(d);
      if (c.equals("ALL")) result.clear();
      else result.remove(c);
    }
    for (String a : add) {
      String c = canonical(a);
      if (c.equals("ALL")) result.addAll(NAMES);
      else result.add(c);
    }
    return result;
  }

  /**
   * @param names canonical capability names
   * @return the bit mask the kernel uses
   */
  public static long mask(Collection<String> names) {
    long m = 0;
    for (String n : names) m |= 1L << NAMES.indexOf(canonical(n));
    return m;
  }

  /** @return every capability name the table knows, in number order */
  public static List<String> all() {
    return new ArrayList<>(NAMES);
  }
}
