package dev.kiln.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs peer tools for integration tests, bounded in time; a missing tool names its package. */
final class Tools {
  private Tools() {}

  private static final Map<String, String> PACKAGES = Map.of("skopeo", "skopeo", "umoci", "umoci",
      "podman", "podman", "buildah", "buildah", "ctr", "containerd", "containerd", "containerd",
      "docker-registry", "docker-registry", "unshare", "util-linux");

  static void require(String... tools) {
    for (String t : tools) {
      boolean found = false;
      for (String dir : System.getenv("PATH").split(":")) {
        if (Files.isExecutable(Path.of(dir, t))) {
          found = true;
          break;
        }
      }
      if (!found) {
        throw new AssertionError(t + " is not installed: apt-get install -y "
            + PACKAGES.getOrDefault(t, t) + " (or run scripts/install-deps)");
      }
    }
  }

  /** The repository root: the directory above the working directory holding scripts/busybox-rootfs. */
  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("scripts/busybox-rootfs"))) {
        return p;
      }
    }
    throw new AssertionError("no scripts/busybox-rootfs above " + Path.of("").toAbsolutePath());
  }

  static String run(Duration timeout, List<String> command) throws IOException, InterruptedException {
    return run(timeout, Map.of(), command);
  }

  static String run(Duration timeout, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("kiln-tool", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(out.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + ": timed out after " + timeout
            + "\n" + Files.readString(out, StandardCharsets.UTF_8));
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + ": exit " + p.exitValue() + "\n"
            + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
