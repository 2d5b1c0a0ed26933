package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A resource limit for the container process.
 *
 * @param type OCI name, e.g. {@code RLIMIT_NOFILE}
 * @param soft soft limit
 * @param hard hard limit
 */
public record Rlimit(String type, long soft, long hard) {
  /** Validates the order of the limits. */
  public Rlimit {
    if (!type.startsWith("RLIMIT_")) throw new IllegalArgumentException("rlimit " + type + ": expected RLIMIT_*");
    if (soft > hard) throw new IllegalArgumentException("rlimit " + type + ": soft " + soft + " above hard " + hard);
  }

  /**
   * Parses Docker's {@code --ulimit nofile=1024:2048}.
   *
   * @param text the option value
   * @return the limit
   * @throws IllegalArgumentException on a malformed value
   */
  public static Rlimit parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("ulimit " + text + ": expected NAME=SOFT[:HARD]");
    String[] values = text.substring(eq + 1).split(":");
    try {
      long soft = Long.parseLong(values[0]);
      long hard = values.length > 1 ? Long.parseLong(values[1]) : soft;
      return new Rlimit("RLIMIT_" + text.substring(0, eq).toUpperCase(Locale.ROOT), soft, hard);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ulimit " + text + ": expected NAME=SOFT[:HARD]");
    }
  }

  /** Rows of /proc/self/limits by rlimit name (proc(5)). */
  private static final Map<String, String> PROC_ROWS = Map.ofEntries(
      Map.entry("RLIMIT_CPU", "Max cpu time"), Map.entry("RLIMIT_FSIZE", "Max file size"),
      Map.entry("RLIMIT_DATA", "Max data size"), Map.entry("RLIMIT_STACK", "Max stack size"),
      Map.entry("RLIMIT_CORE", "Max core file size"), Map.entry("RLIMIT_RSS", "Max resident set"),
      Map.entry("RLIMIT_NPROC", "Max processes"), Map.entry("RLIMIT_NOFILE", "Max open files"),
      Map.entry("RLIMIT_MEMLOCK", "Max locked memory"), Map.entry("RLIMIT_AS", "Max address space"),
      Map.entry("RLIMIT_LOCKS", "Max file locks"), Map.entry("RLIMIT_SIGPENDING", "Max pending signals"),
      Map.entry("RLIMIT_MSGQUEUE", "Max msgqueue size"), Map.entry("RLIMIT_NICE", "Max nice priority"),
      Map.entry("RLIMIT_RTPRIO", "Max realtime priority"), Map.entry("RLIMIT_RTTIME", "Max realtime timeout"));

  /**
   * Refuses limits above this process's hard limits before anything starts: raising a hard limit
   * needs CAP_SYS_RESOURCE, which root may lack (it does on kiln's CI machine).
   *
   * @param limits the requested limits
   * @throws IllegalArgumentException naming the first limit that cannot be granted, or an unknown name
   * @throws IOException when /proc/self/limits cannot be read
   */
  static void checkGrantable(List<Rlimit> limits) throws IOException {
    if (limits.isEmpty()) return;
    List<String> rows = Files.readAllLines(Path.of("/proc/self/limits"));
    for (Rlimit r : limits) {
      String row = PROC_ROWS.get(r.type());
      if (row == null) throw new IllegalArgumentException("rlimit " + r.type() + ": unknown");
      for (String line : rows) {
        if (!line.startsWith(row + " ")) continue;
        String hard = line.substring(row.length()).trim().split("\\s+")[1];
        if (!hard.equals("unlimited") && r.hard() > Long.parseLong(hard)) {
          throw new IllegalArgumentException("ulimit " + r.type().substring(7).toLowerCase(Locale.ROOT) + "=" + r.soft() + ":" + r.hard()
              + ": above this host's hard limit " + hard + " (raising it needs CAP_SYS_RESOURCE)");
        }
      }
    }
  }
}
