package dev.kiln.registry;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a registry in its own JVM for the crash and memory tests: {@code ServerMain ROOT PORTFILE}
 * starts on a free port, writes the port to PORTFILE, and serves until killed.
 */
public final class ServerMain {
  private ServerMain() {}

  /**
   * @param args the storage root and the file to write the port to
   * @throws Exception when the server cannot start
   */
  public static void main(String[] args) throws Exception {
    RegistryServer server = RegistryServer.start(RegistryConfig.builder(Path.of(args[0])).port(0)
        .accessLog(false).build());
    Path portFile = Path.of(args[1]);
    Path temp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
    Files.writeString(temp, Integer.toString(server.port()));
    Files.move(temp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Thread.currentThread().join();
  }
}
