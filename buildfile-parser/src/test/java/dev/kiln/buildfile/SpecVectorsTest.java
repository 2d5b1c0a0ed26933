package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** kiln's own buildfile vectors in spec/src/main/resources/vectors. */
class SpecVectorsTest {
  @TestFactory
  Stream<DynamicTest> positiveCasesDumpAsExpectedAndType() {
    return TestFiles.cases("buildfile").stream().map(c -> DynamicTest.dynamicTest(c, () -> {
      String text = TestFiles.resource("spec/vectors/buildfile/" + c + "/Dockerfile");
      String expected = TestFiles.resource("spec/vectors/buildfile/" + c + "/expected.ast").stripTrailing();
      assertEquals(expected, Buildfile.syntax(c, text).sexp());
      ParseResult typed = Buildfile.parse(c, text);
      assertTrue(typed.stages().size() >= 1);
    }));
  }

  @TestFactory
  Stream<DynamicTest> negativeCasesFailAtTheirPosition() {
    return TestFiles.cases("buildfile-negative").stream().map(c -> DynamicTest.dynamicTest(c, () -> {
      String text = TestFiles.resource("spec/vectors/buildfile-negative/" + c + "/Dockerfile");
      String expected = TestFiles.resource("spec/vectors/buildfile-negative/" + c + "/expected.error").strip();
      String position = expected.substring(0, expected.indexOf(' '));
      String message = expected.substring(expected.indexOf(' ') + 1);
      BuildfileException e = assertThrows(BuildfileException.class, () -> Buildfile.parse(c, text));
      assertEquals(position, e.range().startLine() + ":" + e.range().startColumn(), e.getMessage());
      assertTrue(e.problem().startsWith(message), e.problem());
      assertTrue(e.getMessage().startsWith(c + ":" + position + ": "), e.getMessage());
    }));
  }

  @TestFactory
  Stream<DynamicTest> shellWords() {
    Map<String, String> env = new HashMap<>();
    List<DynamicTest> tests = new ArrayList<>();
    List<String> lines = TestFiles.resource("spec/vectors/shell-words.txt").lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("env ")) {
        String kv = line.substring(4);
        int eq = kv.indexOf('=');
        env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        continue;
      }
      int bar = line.lastIndexOf(" | ");
      String mode = line.substring(0, 2);
      String input = line.substring(2, bar);
      String expected = line.substring(bar + 3);
      Map<String, String> snapshot = Map.copyOf(env);
      tests.add(DynamicTest.dynamicTest((i + 1) + ": " + line, () -> {
        if (expected.equals("error")) {
          assertThrows(ExpansionException.class, () -> ShellWords.words(input, snapshot));
        } else if (mode.equals("s ")) {
          assertEquals(expected, ShellWords.word(input, snapshot));
        } else {
          StringBuilder got = new StringBuilder();
          ShellWords.words(input, snapshot).forEach(w -> got.append('[').append(w).append(']'));
          assertEquals(expected, got.toString());
        }
      }));
    }
    return tests.stream();
  }
}
