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
    assertEquals(List.of("CMD", "wget", "-q", "localhost"), c.config().healthcheck().orElseThrow().test());
    assertEquals(2, c.config().healthcheck().orElseThrow().retries());
    assertEquals(List.of("/bin/sh", "-c"), c.config().entrypoint());
    assertEquals(List.of("cat /app/sub/out.txt"), c.config().cmd());
    // base layer + WORKDIR + COPY + RUN; every other step an empty_layer history entry
    assertEquals(4, c.rootfs().diffIds().size());
    assertEquals(c.rootfs().diffIds().size(), c.history().stream().filter(h -> !h.emptyLayer()).count());
    assertEquals(1 + 13, c.history().size());
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
}
