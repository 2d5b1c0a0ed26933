package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test support: the repository root and a busybox root file system made by scripts/busybox-rootfs. */
final class Rootfs {
  private Rootfs() {}

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/busybox-rootfs"))) p = p.getParent();
    if (p == null) throw new IllegalStateException("no scripts/busybox-rootfs above " + Path.of("").toAbsolutePath());
    return p;
  }

  private static Path shared;

  /**
   * One busybox root file system for the whole test JVM (tests only read it: it is an overlay
   * lower dir), made o+x so user-namespaced containers can reach it; deleted when the JVM exits.
   */
  static synchronized Path sharedBusybox() throws IOException, InterruptedException {
    if (shared == null) {
      Path dir = Files.createTempDirectory("kiln-busybox");
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      shared = busybox(dir.resolve("rootfs"));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          LogStore.deleteTree(dir);
        } catch (IOException e) {
          // a leftover temp dir is harmless
        }
      }));
    }
    return shared;
  }

  private static Path busybox(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(repoRoot().resolve("scripts/busybox-rootfs").toString(), dir.toString()).inheritIO().start();
    if (p.waitFor() != 0) throw new IllegalStateException("scripts/busybox-rootfs failed: apt-get install busybox-static");
    return dir;
  }

  static void requireTool(String tool, String debianPackage) {
    for (String d : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) return;
    }
    throw new AssertionError(tool + " not installed: apt-get install " + debianPackage);
  }
}
