package dev.kiln.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.LayerApplier;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.Layer;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build engine end to end: real buildfiles over busybox, RUN steps in the kiln shim. */
class BuildEngineIT {
  @TempDir Path tmp;
  Path root;
  Path ctx;
  LayoutImageStore store;
  BuildEngine engine;

  @BeforeEach
  void setUp() throws Exception {
    root = tmp.resolve("store");
    ctx = tmp.resolve("ctx");
    Files.createDirectories(ctx);
    store = LayoutImageStore.open(root);
    BusyboxBase.install(store);
    engine = new BuildEngine(store);
  }

  private void write(String rel, String content) throws IOException {
    Path p = ctx.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private BuildResult build(String buildfile) throws Exception {
    return build(buildfile, b -> b);
  }

  private BuildResult build(String buildfile, UnaryOperator<BuildRequest.Builder> options) throws Exception {
    return engine.build(options.apply(BuildRequest.builder(ctx, "Dockerfile", buildfile)).build(), BuildListener.NONE);
  }

  /** The image's final file system, its layers applied in order. */
  private Path fs(Descriptor image) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "fs-");
    LayerApplier a = new LayerApplier(ApplyOptions.defaults());
    for (Layer l : store.image(image).layers()) {
      try (InputStream in = l.open()) {
        a.apply(in, dir);
      }
    }
    return dir;
  }

  private ImageConfig config(Descriptor image) throws IOException {
    return store.image(image).config();
  }

  @Test
  void runCopyAndMetadataGoIntoLayersAndConfig() throws Exception {
    write("hello.txt", "hello from the context\n");
    BuildResult r = build("""
        FROM busybox:latest
        ENV GREETING=hi NAME=kiln
        WORKDIR /app/sub
        COPY hello.txt .
        RUN echo "$GREETING $NAME from $(pwd)" > out.txt && cat hello.txt >> out.txt
        USER nobody
        LABEL org.example.a=1 b="two words"
        EXPOSE 8080 53/udp
        VOLUME /data
        STOPSIGNAL SIGINT
        HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost
        ENTRYPOINT ["/bin/sh", "-c"]
        CMD ["cat /app/sub/out.txt"]
        """);
    Path fs = fs(r.image());
    assertEquals("hi kiln from /app/sub\nhello from the context\n", Files.readString(fs.resolve("app/sub/out.txt")));
    assertTrue(Files.isDirectory(fs.resolve("app/sub")));
    ImageConfig c = config(r.image());
    assertEquals("nobody", c.config().user());
    assertEquals("/app/sub", c.config().workingDir());
    assertTrue(c.config().env().contains("GREETING=hi"));
    assertEquals(Map.of("org.example.a", "1", "b", "two words"), c.config().labels());
    assertEquals(List.of("53/udp", "8080/tcp"), c.config().exposedPorts());
    assertEquals(List.of("/data"), c.config().volumes());
    assertEquals("SIGINT", c.config().stopSignal());
    assertEquals(List.of("CMD-SHELL", "wget -q localhost"), c.config().healthcheck().orElseThrow().test());
    assertEquals(2, c.config().healthcheck().orElseThrow().retries());
    assertEquals(List.of("/bin/sh", "-c"), c.config().entrypoint());
    assertEquals(List.of("cat /app/sub/out.txt"), c.config().cmd());
    // base layer + WORKDIR + COPY + RUN; every other step an empty_layer history entry
    assertEquals(4, c.rootfs().diffIds().size());
    assertEquals(c.rootfs().diffIds().size(), c.history().stream().filter(h -> !h.emptyLayer()).count());
    assertEquals(1 + 12, c.history().size(), "the base entry and one per instruction after FROM");
    assertFalse(Files.exists(fs.resolve("etc/hosts")), "runtime mount points stay out of the layer");
    assertEquals(List.of("WORKDIR /app/sub", "COPY hello.txt .",
        "RUN echo \"$GREETING $NAME from $(pwd)\" > out.txt && cat hello.txt >> out.txt"), r.texts(StepOutcome.RAN));
  }

  @Test
  void secondBuildIsAllCachedAndOneChangedFileRebuildsOnlyFromItsStep() throws Exception {
    write("a.txt", "A1\n");
    write("b.txt", "B1\n");
    String bf = """
        FROM busybox:latest
        COPY a.txt /a.txt
        RUN cat /a.txt > /a.out
        COPY b.txt /b.txt
        RUN cat /a.out /b.txt > /ab.out
        """;
    BuildResult first = build(bf);
    assertEquals(4, first.texts(StepOutcome.RAN).size());
    BuildResult second = build(bf);
    assertEquals(List.of(), second.texts(StepOutcome.RAN));
    assertEquals(4, second.texts(StepOutcome.CACHED).size());
    assertEquals(first.image(), second.image(), "a no-change rebuild gives the same image");
    write("b.txt", "B2\n");
    BuildResult third = build(bf);
    assertEquals(List.of("COPY a.txt /a.txt", "RUN cat /a.txt > /a.out"), third.texts(StepOutcome.CACHED));
    assertEquals(List.of("COPY b.txt /b.txt", "RUN cat /a.out /b.txt > /ab.out"), third.texts(StepOutcome.RAN));
    assertEquals("A1\nB2\n", Files.readString(fs(third.image()).resolve("ab.out")));
    BuildResult noCache = build(bf, b -> b.noCache(true));
    assertEquals(4, noCache.texts(StepOutcome.RAN).size());
  }

  @Test
  void copyLinkLayersAreReusedOnANewBaseAndDoNotLookBelowThemselves() throws Exception {
    write("app.txt", "app\n");
    String onBusybox = """
        FROM busybox:latest
        COPY --link app.txt /opt/app.txt
        COPY app.txt /opt/plain.txt
        """;
    String onNewBase = """
        FROM busybox:latest AS base
        RUN echo v2 > /base-version
        FROM base
        COPY --link app.txt /opt/app.txt
        COPY app.txt /opt/plain.txt
        """;
    build(onBusybox);
    BuildResult rebased = build(onNewBase);
    // the linked layer comes from the cache though its parent changed; the plain COPY after it runs
    assertEquals(List.of("COPY --link app.txt /opt/app.txt"), rebased.texts(StepOutcome.CACHED));
    assertEquals(List.of("RUN echo v2 > /base-version", "COPY app.txt /opt/plain.txt"), rebased.texts(StepOutcome.RAN));
    Path fs = fs(rebased.image());
    assertEquals("app\n", Files.readString(fs.resolve("opt/app.txt")));
    assertEquals("v2\n", Files.readString(fs.resolve("base-version")));
    // without a trailing slash, a directory below does not make the destination one (it is not
    // looked at): the linked file replaces it, where a plain COPY copies into it
    Path replaced = fs(build("FROM busybox:latest\nRUN mkdir /d /e\nCOPY --link app.txt /d\nCOPY app.txt /e\n").image());
    assertTrue(Files.isRegularFile(replaced.resolve("d")));
    assertTrue(Files.isRegularFile(replaced.resolve("e/app.txt")));
  }

  @Test
  void failingRunNamesTheLineTheExitCodeAndTheLastOutput() throws Exception {
    BuildException e = assertThrows(BuildException.class, () -> build("""
        FROM busybox:latest
        RUN echo fine
        RUN echo first-line; echo 'going down' >&2; exit 3
        RUN echo never
        """));
    assertTrue(e.getMessage().startsWith("Dockerfile:3: "), e.getMessage());
    assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
    assertEquals(3, e.exitCode());
    assertEquals(List.of("first-line", "going down"), e.lastLines());
    assertEquals(3, e.step().orElseThrow().number());
  }

  @Test
  void secretsReachRunButNoLayerNorTheCacheKey() throws Exception {
    Path secret = tmp.resolve("token");
    Files.writeString(secret, "s3cr3t-value-42");
    String bf = """
        FROM busybox:latest
        RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /len && ls -la /run/secrets > /listing
        """;
    BuildResult r = build(bf, b -> b.secret("tok", secret));
    Path fs = fs(r.image());
    assertEquals("15", Files.readString(fs.resolve("len")).strip());
    assertFalse(Files.exists(fs.resolve("run/secrets/tok")));
    for (Layer l : store.image(r.image()).layers()) {
      try (InputStream in = l.openUncompressed()) {
        String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        assertFalse(all.contains("s3cr3t-value-42"), "secret in layer " + l.diffId());
        assertFalse(all.contains("run/secrets"), "secret mount point in layer " + l.diffId());
      }
    }
    try (var files = Files.walk(root.resolve("build-cache"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(p, StandardCharsets.ISO_8859_1).contains("s3cr3t"), p.toString());
      }
    }
    Files.writeString(secret, "another-secret!");
    assertEquals(List.of("RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /len && ls -la /run/secrets > /listing"),
        build(bf, b -> b.secret("tok", secret)).texts(StepOutcome.CACHED), "the secret's content is not in the key");
  }

  @Test
  void reproducibleModeGivesOneDigestOnTwoRunsAndTwoStores() throws Exception {
    write("f.txt", "same\n");
    String bf = """
        FROM busybox:latest
        COPY f.txt /f.txt
        RUN echo built > /out && touch /stamp
        LABEL x=y
        """;
    BuildResult a = build(bf, b -> b.sourceDateEpoch(1700000000L));
    BuildResult a2 = build(bf, b -> b.sourceDateEpoch(1700000000L).noCache(true));
    LayoutImageStore other = LayoutImageStore.open(tmp.resolve("store2"));
    BusyboxBase.install(other);
    BuildResult b = new BuildEngine(other).build(
        BuildRequest.builder(ctx, "Dockerfile", bf).sourceDateEpoch(1700000000L).build(), BuildListener.NONE);
    assertEquals(a.image().digest(), a2.image().digest());
    assertEquals(a.image().digest(), b.image().digest());
    assertEquals(java.time.Instant.ofEpochSecond(1700000000L), config(a.image()).created().orElseThrow());
  }

  @Test
  void stagesBuildAsAGraphTargetSkipsUnreferencedStages() throws Exception {
    write("src.txt", "source\n");
    String bf = """
        ARG BASE=busybox:latest
        FROM ${BASE} AS one
        RUN echo one > /one
        FROM ${BASE} AS two
        COPY src.txt /two
        FROM busybox:latest AS unused
        RUN echo never > /never
        FROM scratch AS final
        COPY --from=one /one /got/one
        COPY --from=two /two /got/two
        COPY --from=busybox:latest /bin/busybox /bin/busybox
        """;
    BuildResult r = build(bf, o -> o.target("final"));
    Path fs = fs(r.image());
    assertEquals("one\n", Files.readString(fs.resolve("got/one")));
    assertEquals("source\n", Files.readString(fs.resolve("got/two")));
    assertTrue(Files.isRegularFile(fs.resolve("bin/busybox")));
    assertTrue(r.steps().stream().noneMatch(s -> s.step().stage().equals("unused")), "unreferenced stage skipped");
    assertEquals(List.of("one", "two", "final"), r.steps().stream().map(s -> s.step().stage()).distinct().toList());
    assertEquals(3, config(r.image()).rootfs().diffIds().size(), "scratch + 3 COPY layers");
    BuildResult onlyOne = build(bf, o -> o.target("one"));
    assertEquals(List.of("one"), onlyOne.steps().stream().map(s -> s.step().stage()).distinct().toList());
    // Parallel: two independent stages each wait for the other's marker in a shared cache mount.
    BuildResult par = build("""
        FROM busybox:latest AS a
        RUN --mount=type=cache,id=rendezvous,target=/r touch /r/a && for i in $(seq 100); do [ -f /r/b ] && exit 0; sleep 0.1; done; exit 9
        FROM busybox:latest AS b
        RUN --mount=type=cache,id=rendezvous,target=/r touch /r/b && for i in $(seq 100); do [ -f /r/a ] && exit 0; sleep 0.1; done; exit 9
        FROM busybox:latest
        COPY --from=a /etc/passwd /a
        COPY --from=b /etc/passwd /b
        """, o -> o.noCache(true));
    assertEquals(4, par.texts(StepOutcome.RAN).size(), "both RUN steps met: they ran at the same time");
  }

  @Test
  void argAndEnvScopingAndBuildArgs() throws Exception {
    BuildResult r = build("""
        ARG VERSION=1.0
        ARG UNUSED_GLOBAL=x
        FROM busybox:latest
        ARG VERSION
        ARG MODE=debug
        ENV APP_VERSION=$VERSION APP_MODE=${MODE}
        RUN echo "$VERSION $MODE $APP_VERSION $APP_MODE" > /args
        ARG MODE=second
        RUN echo "$MODE" > /mode
        """, b -> b.buildArg("VERSION", "2.5"));
    Path fs = fs(r.image());
    assertEquals("2.5 debug 2.5 debug\n", Files.readString(fs.resolve("args")));
    assertEquals("second\n", Files.readString(fs.resolve("mode")));
    List<String> env = config(r.image()).config().env();
    assertTrue(env.contains("APP_VERSION=2.5"), env.toString());
    assertTrue(env.stream().noneMatch(e -> e.startsWith("MODE=") || e.startsWith("VERSION=")), "ARGs stay out of the config");
    BuildResult changed = build("""
        ARG VERSION=1.0
        ARG UNUSED_GLOBAL=x
        FROM busybox:latest
        ARG VERSION
        ARG MODE=debug
        ENV APP_VERSION=$VERSION APP_MODE=${MODE}
        RUN echo "$VERSION $MODE $APP_VERSION $APP_MODE" > /args
        ARG MODE=second
        RUN echo "$MODE" > /mode
        """, b -> b.buildArg("VERSION", "3.0"));
    assertEquals(2, changed.texts(StepOutcome.RAN).size(), "a changed build arg reruns the steps that see it");
  }

  @Test
  void copyFlagsAndSources() throws Exception {
    write("dir/a.txt", "a\n");
    write("dir/sub/b.txt", "b\n");
    write("dir/skip.log", "log\n");
    write("ignored/x", "x\n");
    write("keep.md", "md\n");
    write(".dockerignore", "ignored\n*.md\n!keep.md\n");
    write("pkg/one/file.go", "1\n");
    write("pkg/two/file.go", "2\n");
    Path tar = ctx.resolve("bundle.tar.gz");
    Path bundle = tmp.resolve("bundle");
    Files.createDirectories(bundle.resolve("inner"));
    Files.writeString(bundle.resolve("inner/t.txt"), "from tar\n");
    assertEquals(0, new ProcessBuilder("tar", "-czf", tar.toString(), "-C", bundle.toString(), "inner").start().waitFor());
    String sum = dev.kiln.oci.Digests.of("sha256", Files.newInputStream(ctx.resolve("keep.md"))).toString();
    BuildResult r = build("""
        FROM busybox:latest
        COPY --chown=1000:1001 --chmod=640 dir/a.txt /owned/a.txt
        COPY --exclude=*.log dir /copied/
        COPY --parents pkg/*/file.go /src/
        COPY keep.md /docs/
        ADD bundle.tar.gz /unpacked/
        ADD --checksum=%s keep.md /checked.md
        COPY <<EOF /inline.txt
        inline content
        EOF
        RUN stat -c '%%u:%%g %%a' /owned/a.txt > /stat && ls /copied /copied/sub > /ls && test ! -e /ignored
        """.formatted(sum));
    Path fs = fs(r.image());
    assertEquals("1000:1001 640", Files.readString(fs.resolve("stat")).strip());
    assertEquals("a\n", Files.readString(fs.resolve("copied/a.txt")));
    assertEquals("b\n", Files.readString(fs.resolve("copied/sub/b.txt")));
    assertFalse(Files.exists(fs.resolve("copied/skip.log")), "--exclude");
    assertEquals("1\n", Files.readString(fs.resolve("src/pkg/one/file.go")));
    assertEquals("2\n", Files.readString(fs.resolve("src/pkg/two/file.go")));
    assertEquals("md\n", Files.readString(fs.resolve("docs/keep.md")));
    assertEquals("from tar\n", Files.readString(fs.resolve("unpacked/inner/t.txt")));
    assertEquals("md\n", Files.readString(fs.resolve("checked.md")));
    assertEquals("inline content\n", Files.readString(fs.resolve("inline.txt")));
    BuildException e = assertThrows(BuildException.class, () -> build("""
        FROM busybox:latest
        ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 keep.md /x
        """));
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    BuildException ignored = assertThrows(BuildException.class, () -> build("""
        FROM busybox:latest
        COPY ignored/x /x
        """));
    assertTrue(ignored.getMessage().contains("not found in the build context"), ignored.getMessage());
  }

  @Test
  void cacheMountsPersistTmpfsAndNetworkNone() throws Exception {
    String bf = """
        FROM busybox:latest
        RUN --mount=type=cache,target=/cache echo x >> /cache/count && wc -l < /cache/count > /seen
        RUN --mount=type=tmpfs,target=/scratch touch /scratch/t && ls /scratch > /tmpfs-seen
        RUN --network=none ip -o link | grep -v ' lo' | wc -l > /ifaces
        """;
    build(bf);
    BuildResult second = build(bf, b -> b.noCache(true));
    Path fs = fs(second.image());
    assertEquals("2", Files.readString(fs.resolve("seen")).strip(), "the cache mount kept the first build's line");
    assertFalse(Files.exists(fs.resolve("cache/count")), "cache mount content is not in the layer");
    assertEquals("t", Files.readString(fs.resolve("tmpfs-seen")).strip());
    assertFalse(Files.exists(fs.resolve("scratch/t")));
    assertEquals("0", Files.readString(fs.resolve("ifaces")).strip(), "network none: only loopback");
  }

  @Test
  void onbuildTriggersRunInTheChildAndShellAndUserApply() throws Exception {
    BuildResult parent = build("""
        FROM busybox:latest
        ONBUILD RUN echo triggered > /trigger
        SHELL ["/bin/sh", "-ec"]
        """);
    assertEquals(List.of("RUN echo triggered > /trigger"), config(parent.image()).config().onBuild());
    store.tag(dev.kiln.oci.Reference.parse("parent:1", dev.kiln.oci.Reference.Defaults.DOCKER_HUB), parent.image());
    BuildResult child = build("""
        FROM parent:1
        USER nobody
        RUN id -u > /tmp/uid; cp /tmp/uid /tmp/uid2
        USER root
        RUN cp /tmp/uid /uid
        """);
    Path fs = fs(child.image());
    assertEquals("triggered\n", Files.readString(fs.resolve("trigger")));
    assertEquals("65534", Files.readString(fs.resolve("uid")).strip());
    assertEquals(List.of(), config(child.image()).config().onBuild(), "triggers do not pass to grandchildren");
  }
}
