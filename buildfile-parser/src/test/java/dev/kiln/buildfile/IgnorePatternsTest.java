package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** .dockerignore semantics as Docker's patternmatcher applies them. */
class IgnorePatternsTest {
  private static final IgnorePatterns NODE_APP =
      IgnorePatterns.parse(
          ".dockerignore",
          """
          # dependencies and build output
          node_modules
          /dist
          **/*.log
          *.md
          !README.md
            .git
          tmp/**
          !tmp/keep/**
          docs/[ab]?.txt
          secret\\*.txt
          ./build/../cache/
          """);

  @Test
  void readsCommentsBlankLinesLeadingSlashAndCleansPatterns() {
    assertEquals(
        List.of("node_modules", "dist", "**/*.log", "*.md", "README.md", ".git", "tmp/**", "tmp/keep/**", "docs/[ab]?.txt", "secret\\*.txt", "cache"),
        NODE_APP.rules().stream().map(IgnorePatterns.Rule::text).toList());
    assertTrue(NODE_APP.rules().get(4).exception());
    assertEquals(6, NODE_APP.rules().get(4).line());
  }

  @Test
  void starAndQuestionStayInOneSegment() {
    assertTrue(NODE_APP.matches("CHANGELOG.md"));
    assertFalse(NODE_APP.matches("docs/guide.md"), "*.md matches only at the top");
    assertTrue(NODE_APP.matches("docs/a1.txt"));
    assertTrue(NODE_APP.matches("docs/b2.txt"));
    assertFalse(NODE_APP.matches("docs/c1.txt"));
    assertFalse(NODE_APP.matches("docs/a12.txt"));
  }

  @Test
  void doubleStarSpansDirectories() {
    assertTrue(NODE_APP.matches("server.log"));
    assertTrue(NODE_APP.matches("logs/2024/01/server.log"));
    assertTrue(NODE_APP.matches("tmp/a/b/c"));
  }

  @Test
  void parentsMatchAndExceptionsReinclude() {
    assertTrue(NODE_APP.matches("node_modules/lodash/index.js"), "a matched parent excludes its contents");
    assertTrue(NODE_APP.matches("dist/app.js"));
    assertFalse(NODE_APP.matches("README.md"), "the exception re-includes");
    assertFalse(NODE_APP.matches("tmp/keep/x"));
    assertFalse(NODE_APP.matches("src/index.js"));
    assertTrue(NODE_APP.matches("/node_modules/x"), "paths are cleaned like patterns");
    assertTrue(NODE_APP.matches("./src/../node_modules"));
    assertTrue(NODE_APP.matches("secret*.txt"), "an escaped star is literal");
    assertFalse(NODE_APP.matches("secretX.txt"));
    assertTrue(NODE_APP.matches("cache/x"));
  }

  @Test
  void laterRulesWin() {
    IgnorePatterns p = IgnorePatterns.of(List.of("*.txt", "!keep.txt", "keep.txt"));
    assertTrue(p.matches("keep.txt"));
    IgnorePatterns q = IgnorePatterns.of(List.of("*", "!src"));
    assertFalse(q.matches("src/main.c"));
    assertTrue(q.matches("Makefile"));
  }

  @Test
  void prunesOnlyWhenNoExceptionCanReachBelow() {
    assertTrue(NODE_APP.canPrune("node_modules"));
    assertTrue(NODE_APP.canPrune("dist"));
    assertFalse(NODE_APP.canPrune("tmp"), "!tmp/keep/** may re-include something under tmp");
    assertTrue(NODE_APP.canPrune("tmp/other"));
    assertFalse(NODE_APP.canPrune("src"), "not excluded at all");
    IgnorePatterns wild = IgnorePatterns.of(List.of("vendor", "!*/vendor/keep.go", "!lib/*/keep.go"));
    assertFalse(wild.canPrune("vendor"), "vendor/vendor/keep.go would match the first exception");
    IgnorePatterns other = IgnorePatterns.of(List.of("vendor", "!lib/*/keep.go"));
    assertTrue(other.canPrune("vendor"), "no exception starts with a segment matching vendor");
    IgnorePatterns deep = IgnorePatterns.of(List.of("build", "!**/important"));
    assertFalse(deep.canPrune("build"), "** in an exception can reach anywhere");
  }

  @Test
  void loneBangIsAnError() {
    BuildfileException e = assertThrows(BuildfileException.class, () -> IgnorePatterns.parse("x.dockerignore", "a\n!\n"));
    assertEquals(2, e.range().startLine());
  }

  @Test
  void buildfileSpecificIgnoreFileComesFirst() {
    assertEquals(List.of("build/app.Dockerfile.dockerignore", ".dockerignore"), IgnorePatterns.candidateFiles("build/app.Dockerfile"));
  }
}
