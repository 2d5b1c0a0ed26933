package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Lint rules, BuildKit names, and the check directive. */
class LintTest {
  private static List<String> rules(String text) {
    return Lint.check("Dockerfile", text).findings().stream().map(w -> w.range().startLine() + " " + w.rule()).toList();
  }

  @Test
  void sloppyBuildfileHasEveryFinding() {
    String text =
        """
        FROM alpine AS Builder
        from alpine:3.20 AS builder
        MAINTAINER me@example.com
        ENV API_TOKEN abc
        WORKDIR app
        EXPOSE 80:80 53/UDP
        RUN echo \\

          done
        CMD echo one
        CMD ["echo", "two"]
        FROM --platform=$TARGETPLATFORM scratch AS scratch
        COPY --from=builder $MISSING /x
        FROM ${UNDECLARED}
        """;
    List<String> got = rules(text);
    for (String expected :
        List.of(
            "1 StageNameCasing",
            "1 BaseImageWithoutTag",
            "2 ConsistentInstructionCasing",
            "2 DuplicateStageName",
            "3 MaintainerDeprecated",
            "4 LegacyKeyValueFormat",
            "4 SecretsUsedInArgOrEnv",
            "5 WorkdirRelativePath",
            "6 ExposeInvalidFormat",
            "6 ExposeProtoCasing",
            "8 NoEmptyContinuation",
            "10 JSONArgsRecommended",
            "11 MultipleInstructionsDisallowed",
            "12 RedundantTargetPlatform",
            "12 ReservedStageName",
            "13 UndefinedVar",
            "14 UndefinedArgInFrom")) {
      assertTrue(got.contains(expected), expected + " in " + got);
    }
    assertFalse(got.contains("11 JSONArgsRecommended"), "exec form is fine");
  }

  @Test
  void copyIgnoredFileUsesTheIgnorePatterns() {
    IgnorePatterns ignore = IgnorePatterns.of(List.of("secrets", "*.log", "!keep.log"));
    String text = "FROM alpine:3.20 AS b\nCOPY secrets/key app.log keep.log /x/\nCOPY --from=b secrets /y\nADD $DYNAMIC /z\n";
    List<Warning> f = Lint.check(Buildfile.syntax("Dockerfile", text), ignore).findings();
    assertEquals(
        List.of(
            "Attempting to Copy file \"secrets/key\" that is excluded by .dockerignore",
            "Attempting to Copy file \"app.log\" that is excluded by .dockerignore"),
        f.stream().map(Warning::message).toList());
  }

  @Test
  void invalidDefaultArgInFrom() {
    assertEquals(List.of("2 InvalidDefaultArgInFrom"), rules("ARG TAG\nFROM alpine:${TAG}\n"));
    assertEquals(List.of(), rules("ARG TAG=3.20\nFROM alpine:${TAG}\n"));
    assertEquals(List.of(), rules("ARG TAG\nFROM alpine:${TAG:-3.20}\n"));
  }

  @Test
  void fromAsCasing() {
    assertEquals(List.of("1 FromAsCasing"), rules("FROM alpine:3.20 as base\n"));
  }

  @Test
  void undefinedVarKnowsDeclarationsAndSuggests() {
    String text =
        """
        FROM scratch
        ARG VERSION=1
        ENV APP_HOME=/opt/app
        COPY app-$VERSION.tar $APP_HOME/
        COPY x $APP_HOEM/
        """;
    List<Warning> findings = Lint.check("Dockerfile", text).findings();
    assertEquals(1, findings.size(), findings.toString());
    assertEquals("UndefinedVar", findings.get(0).rule());
    assertEquals("Usage of undefined variable '$APP_HOEM' (did you mean $APP_HOME?)", findings.get(0).message());
  }

  @Test
  void imageBasesOnlyReportLikelyTypos() {
    assertEquals(List.of(), rules("FROM alpine:3.20\nWORKDIR $HOME/src\n"), "alpine's own env is unknown to kiln");
    assertEquals(List.of("3 UndefinedVar"), rules("FROM alpine:3.20\nARG VERSION\nWORKDIR /src/$VERSON\n"));
  }

  @Test
  void globalArgsScopeFromLines() {
    assertEquals(List.of(), rules("ARG TAG=3.20\nFROM alpine:${TAG}\nFROM --platform=$BUILDPLATFORM alpine:3.20\n"));
  }

  @Test
  void checkDirectiveSkipsAndMakesErrors() {
    Lint.Report skipped = Lint.check("Dockerfile", "# check=skip=MaintainerDeprecated,BaseImageWithoutTag\nFROM alpine\nMAINTAINER me\n");
    assertEquals(List.of(), skipped.findings());
    assertFalse(skipped.errors());
    Lint.Report errors = Lint.check("Dockerfile", "# check=error=true\nFROM alpine:3.20\nMAINTAINER me\n");
    assertTrue(errors.errors());
    assertEquals(1, errors.findings().size());
    assertEquals(List.of(), Lint.check("Dockerfile", "# check=skip=all\nFROM alpine\nMAINTAINER me\n").findings());
  }

  @Test
  void findingsPrintAsFileLineColumnRule() {
    Warning w = Lint.check("app.Dockerfile", "FROM alpine:3.20\nMAINTAINER me\n").findings().get(0);
    assertEquals("app.Dockerfile:2:1: MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label", w.toString());
  }
}
