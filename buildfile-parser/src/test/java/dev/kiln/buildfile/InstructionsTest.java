package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.buildfile.ast.Heredoc;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typed instructions, stages and global ARGs from realistic buildfiles. */
class InstructionsTest {
  private static ParseResult parse(String text) {
    return Buildfile.parse("Dockerfile", text);
  }

  private static Instruction only(String text) {
    return parse("FROM alpine:3.20\n" + text).stages().get(0).instructions().get(0);
  }

  @Test
  void multiStageBuildGroupsStagesAndKeepsGlobalArgs() {
    ParseResult r =
        parse(
            """
            ARG GO_VERSION=1.22
            ARG REGISTRY
            FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Build
            RUN go build -o /app .
            FROM scratch
            COPY --from=build /app /app
            COPY --from=0 /etc/ssl /etc/ssl
            ENTRYPOINT ["/app"]
            """);
    assertEquals(2, r.globalArgs().size());
    assertEquals(new Arg.Definition("GO_VERSION", "1.22", true), r.globalArgs().get(0).definitions().get(0));
    assertFalse(r.globalArgs().get(1).definitions().get(0).value().isPresent());
    assertEquals(2, r.stages().size());
    Stage build = r.stages().get(0);
    assertEquals("build", build.name().orElseThrow(), "BuildKit lower-cases stage names");
    assertEquals("$BUILDPLATFORM", build.from().platform());
    assertEquals("golang:${GO_VERSION}", build.from().image());
    Stage last = r.stages().get(1);
    assertEquals(1, last.index());
    Copy c = assertInstanceOf(Copy.class, last.instructions().get(0));
    assertEquals("build", c.from());
    assertEquals(build, r.stage(c.from(), last.index()).orElseThrow());
    assertEquals(build, r.stage("0", last.index()).orElseThrow());
    assertTrue(r.stage("build", 0).isEmpty(), "a stage cannot refer to itself or later stages");
    assertTrue(r.stage("alpine", 2).isEmpty(), "unknown names are images");
    Entrypoint e = assertInstanceOf(Entrypoint.class, last.instructions().get(2));
    assertEquals(new CommandForm.Exec(List.of("/app")), e.command());
  }

  @Test
  void execAndShellFormsAreDistinctTypes() {
    assertEquals(new CommandForm.ShellScript("echo hi && ls"), ((Run) only("RUN echo hi && ls")).command());
    assertEquals(new CommandForm.Exec(List.of("echo", "hi")), ((Run) only("RUN [\"echo\", \"hi\"]")).command());
    assertEquals(new CommandForm.ShellScript("['echo', 'hi']"), ((Cmd) only("CMD ['echo', 'hi']")).command(), "single quotes are not JSON");
    assertEquals(new CommandForm.Exec(List.of()), ((Cmd) only("CMD []")).command());
  }

  @Test
  void runFlagsAndHeredocs() {
    Run run =
        (Run)
            only(
                """
                RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm --network=none <<EOF
                npm ci
                EOF
                """);
    assertEquals(List.of("type=cache,target=/root/.cache", "type=secret,id=npm"), run.mounts());
    assertEquals("none", run.network());
    assertEquals(List.of(new Heredoc("EOF", 0, true, false, "npm ci\n")), run.heredocs());
    assertEquals(2, run.range().startLine());
    assertEquals(4, run.range().endLine());
  }

  @Test
  void heredocQuotingChompAndDescriptors() {
    Run run = (Run) only("RUN 3<<-'END' cat <&3\n\tline $X\n\tEND\n");
    Heredoc h = run.heredocs().get(0);
    assertEquals("END", h.name());
    assertEquals(3, h.fileDescriptor());
    assertFalse(h.expand(), "a quoted delimiter disables expansion");
    assertTrue(h.chomp());
    assertEquals("line $X\n", h.effectiveContent());
    Copy copy = (Copy) only("COPY <<A <<\"B\" /etc/\nalpha\nA\nbeta\nB\n");
    assertEquals(List.of("A", "B"), copy.inlineSources().stream().map(Heredoc::name).toList());
    assertEquals(List.of("alpha\n", "beta\n"), copy.inlineSources().stream().map(Heredoc::content).toList());
    assertEquals(List.of(true, false), copy.inlineSources().stream().map(Heredoc::expand).toList());
    assertTrue(copy.sources().isEmpty());
  }

  @Test
  void copyAndAddFlags() {
    Copy c = (Copy) only("COPY --link --parents --chown=app:app --chmod=644 --exclude=*.md --exclude=.git a b /dst/");
    assertTrue(c.link());
    assertTrue(c.parents());
    assertEquals("app:app", c.chown());
    assertEquals("644", c.chmod());
    assertEquals(List.of("*.md", ".git"), c.excludes());
    assertEquals(List.of("a", "b"), c.sources());
    assertEquals("/dst/", c.destination());
    assertFalse(((Copy) only("COPY --link=false a /b")).link());
    Add a = (Add) only("ADD --keep-git-dir --checksum=sha256:abc https://example.com/x.git /src");
    assertTrue(a.keepGitDir());
    assertEquals("sha256:abc", a.checksum());
    Copy json = (Copy) only("COPY [\"with space\", \"/dst dir/\"]");
    assertEquals(List.of("with space"), json.sources());
  }

  @Test
  void envLabelArgForms() {
    Env legacy = (Env) only("ENV PATH /usr/local/bin:$PATH");
    assertTrue(legacy.legacyForm());
    assertEquals(List.of(new KeyValue("PATH", "/usr/local/bin:$PATH")), legacy.pairs());
    Env modern = (Env) only("ENV A=1 B=\"two words\" C=three\\ words");
    assertFalse(modern.legacyForm());
    assertEquals(
        List.of(new KeyValue("A", "1"), new KeyValue("B", "\"two words\""), new KeyValue("C", "three\\ words")),
        modern.pairs());
    Label label = (Label) only("LABEL org.opencontainers.image.title=\"kiln\" version=1");
    assertEquals("org.opencontainers.image.title", label.pairs().get(0).key());
    Arg arg = (Arg) only("ARG A B=2 C=");
    assertEquals(
        List.of(new Arg.Definition("A", "", false), new Arg.Definition("B", "2", true), new Arg.Definition("C", "", true)),
        arg.definitions());
  }

  @Test
  void exposePortsRangesAndProtocols() {
    Expose e = (Expose) only("EXPOSE 80 443/tcp 53/UDP 8000-8010/sctp");
    assertEquals(List.of("80", "443/tcp", "53/UDP", "8000-8010/sctp"), e.ports());
    assertEquals(new Expose.Port(80, 80, "tcp"), Expose.Port.parse("80"));
    assertEquals(new Expose.Port(53, 53, "udp"), Expose.Port.parse("53/UDP"));
    assertEquals(new Expose.Port(8000, 8010, "sctp"), Expose.Port.parse("8000-8010/sctp"));
    assertThrows(IllegalArgumentException.class, () -> Expose.Port.parse("80/icmp"));
    assertThrows(IllegalArgumentException.class, () -> Expose.Port.parse("70000"));
    assertThrows(IllegalArgumentException.class, () -> Expose.Port.parse("90-80"));
  }

  @Test
  void volumeUserWorkdirShellStopsignal() {
    assertEquals(List.of("/a", "/b"), ((Volume) only("VOLUME [\"/a\", \"/b\"]")).paths());
    assertEquals(List.of("/a", "/b"), ((Volume) only("VOLUME /a /b")).paths());
    assertEquals("app:app", ((User) only("USER app:app")).user());
    assertEquals("/srv/app", ((Workdir) only("WORKDIR /srv/app")).path());
    assertEquals(List.of("/bin/bash", "-o", "pipefail", "-c"), ((Shell) only("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]")).shell());
    assertEquals("SIGQUIT", ((StopSignal) only("STOPSIGNAL SIGQUIT")).signal());
    assertEquals("me <me@example.com>", ((Maintainer) only("MAINTAINER me <me@example.com>")).name());
  }

  @Test
  void healthcheckOptionsAndNone() {
    Healthcheck h = (Healthcheck) only("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=5 CMD curl -f http://localhost/");
    assertFalse(h.disabled());
    assertEquals(Duration.ofSeconds(90), h.interval());
    assertEquals(Duration.ofMillis(500), h.timeout());
    assertEquals(Duration.ofSeconds(2), h.startPeriod());
    assertEquals(Duration.ofSeconds(1), h.startInterval());
    assertEquals(5, h.retries());
    assertEquals(new CommandForm.ShellScript("curl -f http://localhost/"), h.command());
    assertEquals(new CommandForm.Exec(List.of("true")), ((Healthcheck) only("HEALTHCHECK CMD [\"true\"]")).command());
    assertTrue(((Healthcheck) only("HEALTHCHECK NONE")).disabled());
    assertThrows(BuildfileException.class, () -> only("HEALTHCHECK NONE extra"));
    assertThrows(BuildfileException.class, () -> only("HEALTHCHECK CMD"));
    assertThrows(BuildfileException.class, () -> only("HEALTHCHECK --timeout=1ns CMD true"));
  }

  @Test
  void onbuildTriggersAreTypedAndForbiddenFormsRejected() {
    Onbuild o = (Onbuild) only("ONBUILD COPY --chown=app . /src");
    Copy trigger = assertInstanceOf(Copy.class, o.trigger());
    assertEquals("app", trigger.chown());
    assertEquals("COPY --chown=app . /src", o.expression());
    Onbuild withHeredoc = (Onbuild) only("ONBUILD RUN <<EOF\necho hi\nEOF\n");
    assertEquals("RUN <<EOF\necho hi\nEOF", withHeredoc.expression());
    assertEquals(List.of("EOF"), ((Run) withHeredoc.trigger()).heredocs().stream().map(Heredoc::name).toList());
    for (String bad : List.of("ONBUILD ONBUILD RUN x", "ONBUILD FROM alpine", "ONBUILD MAINTAINER me", "ONBUILD")) {
      assertThrows(BuildfileException.class, () -> only(bad), bad);
    }
  }

  @Test
  void unknownFlagIsReportedAtTheFlag() {
    BuildfileException e =
        assertThrows(
            BuildfileException.class,
            () -> parse("FROM alpine:3.20\nRUN --mount=type=cache,target=/x \\\n  --mnt=type=tmpfs,target=/t make\n"));
    assertEquals(3, e.range().startLine());
    assertEquals(3, e.range().startColumn());
    assertEquals("unknown flag: --mnt — did you mean --mount?", e.problem());
    assertEquals("Dockerfile:3:3: unknown flag: --mnt — did you mean --mount?", e.getMessage());
  }

  @Test
  void unknownInstructionSuggestsTheClosestKeyword() {
    BuildfileException e = assertThrows(BuildfileException.class, () -> parse("FROM alpine\n  WORKDIRR /x\n"));
    assertEquals("unknown instruction: WORKDIRR — did you mean WORKDIR?", e.problem());
    assertEquals(2, e.range().startLine());
    assertEquals(3, e.range().startColumn());
    BuildfileException far = assertThrows(BuildfileException.class, () -> parse("FROM alpine\nFROBNICATE x\n"));
    assertTrue(far.problem().startsWith("unknown instruction: FROBNICATE — instructions are FROM, RUN"), far.problem());
  }

  @Test
  void escapeDirectiveChangesContinuationAndIsReported() {
    ParseResult r = parse("# escape=`\nFROM windows\nRUN dir C:\\ `\n  && echo done\n");
    assertEquals('`', r.escape());
    assertEquals("escape", r.directives().get(0).name());
    Run run = (Run) r.stages().get(0).instructions().get(0);
    assertEquals(new CommandForm.ShellScript("dir C:\\   && echo done"), run.command());
  }

  @Test
  void byteOrderMarkCrlfAndSyntaxDirective() {
    ParseResult r = parse("\uFEFF# syntax=docker/dockerfile:1\r\nFROM alpine:3.20\r\nRUN echo a \\\r\n  b\r\n");
    assertEquals("docker/dockerfile:1", r.directives().get(0).value());
    Run run = (Run) r.stages().get(0).instructions().get(0);
    assertEquals(new CommandForm.ShellScript("echo a   b"), run.command());
    assertEquals(4, run.range().endLine());
  }

  @Test
  void emptyContinuationLineIsAWarning() {
    ParseResult r = parse("FROM alpine\nRUN echo a \\\n\n  b\n");
    assertEquals(1, r.warnings().size());
    assertEquals("NoEmptyContinuation", r.warnings().get(0).rule());
    assertEquals(3, r.warnings().get(0).range().startLine());
  }

  @Test
  void jsonOutputCarriesKeywordsAndForms() {
    String json = BuildfileJson.of(parse("FROM alpine AS base\nCMD [\"sh\"]\n"));
    assertTrue(json.contains("\"instruction\": \"CMD\""), json);
    assertTrue(json.contains("\"form\": \"exec\""), json);
    assertTrue(json.contains("\"stageName\": \"base\""), json);
  }
}
