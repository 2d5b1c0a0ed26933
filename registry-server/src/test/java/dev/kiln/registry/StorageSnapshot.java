package dev.kiln.registry;

import dev.kiln.oci.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every file under a registry root with its sha256: equal snapshots mean nothing stored changed. */
final class StorageSnapshot {
  private StorageSnapshot() {}

  static Map<String, String> of(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String rel = root.relativize(p).toString();
        if (rel.equals("lock")) {
          continue; // the storage lock file, not content
        }
        try (InputStream in = Files.newInputStream(p)) {
          files.put(rel, Digests.of("sha256", in).toString());
        }
      }
    }
    return files;
  }
}
