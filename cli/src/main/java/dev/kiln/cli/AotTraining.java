package dev.kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run the {@code kiln} launcher records the JVM's AOT cache with
 * ({@code -XX:AOTCacheOutput}, JEP 483/514/515): it runs common commands in one JVM against a
 * throw-away store so their classes are loaded, linked and profiled. Not a user command.
 */
public final class AotTraining {
  private AotTraining() {}

  /**
   * Runs the training commands; output is discarded.
   *
   * @param args ignored
   * @throws IOException when the temp store cannot be made
   */
  public static void main(String[] args) throws IOException {
    KilnVersion.lines();
    Path root = Files.createTempDirectory("kiln-aot-");
    try {
      String r = "--root=" + root;
      for (List<String> argv : List.of(
          List.of("--help"), List.of("version"), List.of(r, "images"),
          List.of(r, "images", "--format", "json"), List.of(r, "system", "df"),
          List.of(r, "inspect", "nothere"), List.of(r, "tag", "a", "B@@"))) {
        StringWriter sink = new StringWriter();
        Main.run(argv.toArray(String[]::new), new PrintWriter(sink), new PrintWriter(sink));
      }
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
