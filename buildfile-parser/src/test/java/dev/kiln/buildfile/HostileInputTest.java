package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.buildfile.ast.SyntaxTree;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: a seeded random and mutation fuzzer (bounded in count and time) that must see no
 * exception but the parser's own, and pathological inputs whose parse must stay linear. The time
 * limits here only stop a hang; the assertions are on structure.
 */
class HostileInputTest {
  private static final long SEED = 0x6b696c6eL; // "kiln"
  private static final int CASES = 10000;
  private static final Duration BUDGET = Duration.ofSeconds(40);

  private static final String[] TOKENS = {
    "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "CMD",
    "ENTRYPOINT", "SHELL", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD", "MAINTAINER", "from", "AS", " ", " ",
    "\t", "\n", "\n", "\r\n", "\\", "\\\n", "`", "#", "# escape=`\n", "# syntax=x\n", "# check=error=true\n",
    "\"", "'", "[", "]", ",", "[\"a\", \"b\"]", "[1]", "{", "}", "$", "${", "${A:-", "${A#", "${A//x/",
    "$A", "=", "a=b", "--", "--from=", "--mount=type=cache", "--link", "--x", "<<", "<<EOF", "<<-EOF",
    "<<'EOF'", "EOF", "\tEOF", "NONE", "CMD", "é", "\u00a0", "\u2028", "\uFEFF", "\u0000", "😀", "0",
    "-", "/", ":", "*", "?", "!", "alpine:3.20", "..", "\\\\",
  };

  private static String randomBuildfile(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + rnd.nextInt(60);
    for (int i = 0; i < n; i++) {
      sb.append(TOKENS[rnd.nextInt(TOKENS.length)]);
      if (rnd.nextInt(4) == 0) {
        sb.append(' ');
      }
    }
    return sb.toString();
  }

  private static String mutate(String seed, Random rnd) {
    StringBuilder sb = new StringBuilder(seed);
    int edits = 1 + rnd.nextInt(8);
    for (int i = 0; i < edits && !sb.isEmpty(); i++) {
      int at = rnd.nextInt(sb.length() + 1);
      switch (rnd.nextInt(4)) {
        case 0 -> sb.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]);
        case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + rnd.nextInt(12)));
        case 2 -> {
          if (at < sb.length()) {
            sb.setCharAt(at, (char) rnd.nextInt(0x3000));
          }
        }
        default -> {
          int from = rnd.nextInt(sb.length());
          sb.insert(at, sb, from, Math.min(sb.length(), from + rnd.nextInt(40)));
        }
      }
    }
    return sb.toString();
  }

  private static List<String> seeds() {
    List<String> seeds = new ArrayList<>();
    for (String c : TestFiles.cases("buildfile")) {
      seeds.add(TestFiles.resource("spec/vectors/buildfile/" + c + "/Dockerfile"));
    }
    for (String c : TestFiles.cases("buildfile-negative")) {
      seeds.add(TestFiles.resource("spec/vectors/buildfile-negative/" + c + "/Dockerfile"));
    }
    return seeds;
  }

  /** Everything a caller may do with untrusted text; only the parser's own errors may escape. */
  private static void exercise(String text) {
    try {
      SyntaxTree tree = Buildfile.syntax("fuzz", text);
      tree.sexp();
      ParseResult r = Buildfile.fromSyntax(tree);
      BuildfileJson.of(r);
      Lint.check(tree);
    } catch (BuildfileException expected) {
      assertTrue(expected.getMessage().startsWith("fuzz:"), expected.getMessage());
    }
    try {
      ShellWords.words(text, Map.of("A", "x y"));
    } catch (ExpansionException expected) {
      // malformed words are reported with this type only
    }
    try {
      IgnorePatterns p = IgnorePatterns.parse("fuzz.dockerignore", text);
      p.matches(text);
      p.canPrune("a/b");
    } catch (BuildfileException expected) {
      // a lone "!" line
    }
  }

  @Test
  void fuzzedBuildfilesOnlyRaiseBuildfileException() {
    Random rnd = new Random(SEED);
    List<String> seeds = seeds();
    assertTimeoutPreemptively(BUDGET.plusSeconds(20), () -> {
      long deadline = System.nanoTime() + BUDGET.toNanos();
      int ran = 0;
      for (; ran < CASES && System.nanoTime() < deadline; ran++) {
        String text = rnd.nextBoolean() ? randomBuildfile(rnd) : mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
        try {
          exercise(text);
        } catch (RuntimeException | StackOverflowError e) {
          fail("case " + ran + " threw " + e + " for input " + GoTextForTests.show(text), e);
        }
      }
      assertTrue(ran >= 500, "too few fuzz cases ran: " + ran);
    });
  }

  @Test
  void hundredThousandContinuationLinesMakeOneInstruction() {
    int lines = 100_000;
    StringBuilder sb = new StringBuilder("FROM alpine:3.20\nRUN echo start \\\n");
    for (int i = 0; i < lines; i++) {
      sb.append(i % 10 == 0 ? "  # a comment inside the chain\n" : "  && echo " + i + " \\\n");
    }
    sb.append("  && echo end\n");
    ParseResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Buildfile.parse("long", sb.toString()));
    Run run = (Run) r.stages().get(0).instructions().get(0);
    assertEquals(2, run.range().startLine());
    assertEquals(lines + 3, run.range().endLine());
    String script = ((CommandForm.ShellScript) run.command()).script();
    assertTrue(script.startsWith("echo start   && echo 1 "), script.substring(0, 40));
    assertTrue(script.endsWith("&& echo end"));
    assertEquals(lines - lines / 10 + 1, script.split("&& echo", -1).length - 1);
  }

  @Test
  void deeplyNestedVariablesAndJsonStayLinearAndBounded() {
    int depth = 100_000;
    String nested = "${A:-".repeat(depth) + "x" + "}".repeat(depth);
    String text =
        "FROM alpine:3.20\nRUN cat <<EOF "
            + wrap(nested)
            + "\nWORKDIR /"
            + wrap(nested)
            + "\nCMD "
            + wrap("[".repeat(depth))
            + "\n";
    ParseResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Buildfile.parse("deep", text));
    List<Instruction> body = r.stages().get(0).instructions();
    Run run = (Run) body.get(0);
    assertEquals(List.of(), run.heredocs(), "a line that does not lex has no heredocs (as BuildKit)");
    assertEquals("/" + nested, ((Workdir) body.get(1)).path());
    assertInstanceOf(CommandForm.ShellScript.class, ((Cmd) body.get(2)).command(), "JSON nested beyond Go's limit is shell form");
    Lint.Report report = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Lint.check("deep", text));
    assertTrue(report.findings().stream().noneMatch(w -> w.rule().equals("UndefinedVar")));
    assertThrows(ExpansionException.class, () -> ShellWords.word(nested, Map.of()));
  }

  /** Splits text over continuation lines so no physical line exceeds BuildKit's line limit. */
  private static String wrap(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i += 10_000) {
      out.append(i == 0 ? "" : "\\\n").append(s, i, Math.min(s.length(), i + 10_000));
    }
    return out.toString();
  }

  @Test
  void overlongLinesAreRejectedLikeBuildkit() {
    String text = "FROM alpine:3.20\nRUN echo " + "x".repeat(70_000) + "\n";
    BuildfileException e = assertThrows(BuildfileException.class, () -> Buildfile.parse("wide", text));
    assertEquals(2, e.range().startLine());
  }
}
