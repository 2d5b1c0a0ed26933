package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * BuildKit's own vectors (read from ../shared/conformance, never copied): the parser dumps, the
 * rejected files, and the shell-expansion tables envVarTest and wordsTest. When the folder is absent
 * these are reported as aborted with the reason; the spec vectors cover every behaviour too.
 */
class BuildkitConformanceTest {
  private static Path buildkit() {
    Optional<Path> root = TestFiles.conformance();
    assumeTrue(root.isPresent(), "../shared/conformance is absent: BuildKit's vectors not run (CI has them)");
    return root.get().resolve("buildkit");
  }

  private static List<Path> dirs(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> parserDumpsMatchBuildkit() throws IOException {
    return dirs(buildkit().resolve("parser/testfiles")).stream()
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
          String expected = TestFiles.read(dir.resolve("result")).stripTrailing();
          String got = Buildfile.syntax("Dockerfile", TestFiles.read(dir.resolve("Dockerfile"))).sexp();
          assertEquals(expected, got);
        }));
  }

  @TestFactory
  Stream<DynamicTest> negativeFilesAreRejected() throws IOException {
    return dirs(buildkit().resolve("parser/testfiles-negative")).stream()
        .map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> assertThrows(
            BuildfileException.class,
            () -> Buildfile.parse("Dockerfile", TestFiles.read(dir.resolve("Dockerfile"))))));
  }

  @TestFactory
  Stream<DynamicTest> envVarTest() {
    Map<String, String> env = Map.of("PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "NULL", "");
    List<DynamicTest> tests = new ArrayList<>();
    List<String> lines = TestFiles.read(buildkit().resolve("shell/envVarTest")).lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\|", -1);
      assertEquals(3, f.length, "envVarTest line " + (i + 1));
      String platform = f[0].trim();
      if (!platform.equals("A") && !platform.equals("U")) {
        continue;
      }
      String input = f[1].trim();
      String expected = f[2].trim();
      tests.add(DynamicTest.dynamicTest((i + 1) + ": " + input, () -> {
        if (expected.equals("error")) {
          assertThrows(ExpansionException.class, () -> ShellWords.word(input, env));
        } else {
          assertEquals(expected, ShellWords.word(input, env));
        }
      }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> wordsTest() {
    Map<String, String> env = new HashMap<>();
    List<DynamicTest> tests = new ArrayList<>();
    List<String> lines = TestFiles.read(buildkit().resolve("shell/wordsTest")).lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("ENV ")) {
        String kv = line.substring(4).stripLeading();
        int eq = kv.indexOf('=');
        env.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
        continue;
      }
      String[] f = line.split("\\|", -1);
      assertEquals(2, f.length, "wordsTest line " + (i + 1));
      String input = f[0].strip();
      List<String> expected = List.of(f[1].stripLeading().split(",", -1));
      Map<String, String> snapshot = Map.copyOf(env);
      tests.add(DynamicTest.dynamicTest((i + 1) + ": " + input, () -> {
        if (expected.get(0).equals("error")) {
          assertThrows(ExpansionException.class, () -> ShellWords.words(input, snapshot));
        } else {
          assertEquals(expected, ShellWords.words(input, snapshot));
        }
      }));
    }
    return tests.stream();
  }
}
