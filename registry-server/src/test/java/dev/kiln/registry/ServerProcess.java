package dev.kiln.registry;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A registry in a separate JVM ({@link ServerMain}), so a test can kill it with SIGKILL. */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final URI url;

  private ServerProcess(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  static ServerProcess start(Path root, Path work, String... jvmOptions) throws Exception {
    Path portFile = work.resolve("port-" + System.nanoTime());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        ServerMain.class.getName(), root.toString(), portFile.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve("server-" + System.nanoTime() + ".log").toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(portFile)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("registry process did not start (see " + work + "/server-*.log)");
      }
      Thread.sleep(50);
    }
    return new ServerProcess(p, URI.create("http://127.0.0.1:" + Files.readString(portFile)));
  }

  URI url() {
    return url;
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
