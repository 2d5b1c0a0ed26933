package dev.kiln.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * CNCF Distribution ({@code docker-registry}, Debian) on 127.0.0.1 with a free port and fresh
 * storage, optionally with htpasswd Basic auth and TLS. Stopped by its PID on close.
 */
final class Distribution implements AutoCloseable {
  final int port;
  final Path storage;
  private final Process process;
  private final Path log;

  private Distribution(int port, Path storage, Process process, Path log) {
    this.port = port;
    this.storage = storage;
    this.process = process;
    this.log = log;
  }

  /** Returns host:port. */
  String host() {
    return "127.0.0.1:" + port;
  }

  static Distribution start(Path dir, Optional<Path> htpasswd, Optional<Path[]> tls)
      throws IOException, InterruptedException {
    Peers.require("docker-registry", "docker-registry");
    int port = Peers.freePort();
    Path storage = dir.resolve("storage");
    Files.createDirectories(storage);
    StringBuilder cfg = new StringBuilder();
    cfg.append("version: 0.1\n")
        .append("log:\n  level: warn\n  accesslog:\n    disabled: true\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
        .append("  delete:\n    enabled: true\n")
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
        // Upload Locations relative, so a proxy in front of the registry keeps working.
        .append("  relativeurls: true\n");
    tls.ifPresent(t -> cfg.append("  tls:\n    certificate: ").append(t[0]).append('\n')
        .append("    key: ").append(t[1]).append('\n'));
    htpasswd.ifPresent(h -> cfg.append("auth:\n  htpasswd:\n    realm: kiln-test\n    path: ")
        .append(h).append('\n'));
    Path config = dir.resolve("registry.yml");
    Files.writeString(config, cfg);
    Path log = dir.resolve("registry.log");
    Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Distribution d = new Distribution(port, storage, p, log);
    d.awaitReady();
    return d;
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("docker-registry exited: " + Files.readString(log));
      }
      try (var _ = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("docker-registry did not listen on " + port + " in 20 s: "
        + Files.readString(log));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
