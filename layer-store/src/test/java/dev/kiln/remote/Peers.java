package dev.kiln.remote;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs peer tools for the client's integration tests; a missing tool fails with its package. */
final class Peers {
  private Peers() {}

  /** The result of a finished command. */
  record Result(int exit, String out) {}

  static void require(String tool, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return;
      }
    }
    throw new AssertionError(tool + " is not installed: apt-get install -y " + debianPackage);
  }

  /** Runs a command (bounded by a timeout), returning exit code and merged output. */
  static Result run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    return run(timeout, cmd, null, null);
  }

  static Result run(Duration timeout, List<String> cmd, String stdin, java.util.Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (env != null) {
      pb.environment().putAll(env);
    }
    Path log = Files.createTempFile("kiln-peer", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    try (var o = p.getOutputStream()) {
      if (stdin != null) {
        o.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", cmd));
    }
    String out = Files.readString(log);
    Files.delete(log);
    return new Result(p.exitValue(), out);
  }

  /** Runs a command that must succeed. */
  static String ok(List<String> cmd) throws IOException, InterruptedException {
    return ok(cmd, null, null);
  }

  static String ok(List<String> cmd, String stdin, java.util.Map<String, String> env)
      throws IOException, InterruptedException {
    Result r = run(Duration.ofMinutes(3), cmd, stdin, env);
    if (r.exit() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ":\n" + r.out());
    }
    return r.out();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Makes a self-signed certificate for 127.0.0.1 with openssl; returns {cert, key}. */
  static Path[] selfSignedCert(Path dir) throws IOException, InterruptedException {
    require("openssl", "openssl");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    ok(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString()));
    return new Path[] {cert, key};
  }

  /** Writes an htpasswd file with one bcrypt user. */
  static Path htpasswd(Path dir, String user, String password) throws IOException, InterruptedException {
    require("htpasswd", "apache2-utils");
    Path f = dir.resolve("htpasswd");
    ok(new ArrayList<>(List.of("htpasswd", "-Bbc", f.toString(), user, password)));
    return f;
  }
}
