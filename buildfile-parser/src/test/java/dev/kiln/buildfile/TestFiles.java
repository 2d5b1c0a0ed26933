package dev.kiln.buildfile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads the spec vectors from the classpath and finds the shared conformance data. */
final class TestFiles {
  private TestFiles() {}

  static String resource(String name) {
    try (InputStream in = TestFiles.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test vector " + name + " (kiln-spec on the test classpath?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> cases(String area) {
    return resource("spec/vectors/" + area + "/cases.txt").lines().filter(l -> !l.isBlank()).toList();
  }

  /** The repository root: the directory holding scripts/busybox-rootfs, walking up. */
  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("scripts/busybox-rootfs"))) {
        return p;
      }
    }
    throw new IllegalStateException("no scripts/busybox-rootfs above " + dir);
  }

  /** ../shared/conformance beside the checkout, else /work/shared/conformance. */
  static Optional<Path> conformance() {
    Path beside = repoRoot().resolve("../shared/conformance").normalize();
    if (Files.isDirectory(beside)) {
      return Optional.of(beside);
    }
    Path fallback = Path.of("/work/shared/conformance");
    return Files.isDirectory(fallback) ? Optional.of(fallback) : Optional.empty();
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
