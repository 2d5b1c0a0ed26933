package dev.kiln.bench.parser;

import dev.kiln.buildfile.Buildfile;
import dev.kiln.buildfile.Lint;
import dev.kiln.buildfile.ParseResult;
import dev.kiln.buildfile.ast.SyntaxTree;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Parsing speed of a realistic buildfile of a given length (multi-stage builds, heredoc scripts,
 * long RUN chains with continuations and comments, ENV/LABEL/ARG forms). Target: 2,000 lines in
 * under 5 ms after warm-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ParserBench {
  @Param({"2000"})
  public int lines;

  private String text;

  /** One stage of the realistic mix; {@code %d} is the stage number. */
  private static final String STAGE =
      """
      # stage %1$d: build the service
      FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build%1$d
      ARG TARGETOS TARGETARCH
      ENV CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" \\
          GOCACHE=/root/.cache/go-build
      LABEL org.opencontainers.image.title="service-%1$d" org.opencontainers.image.version=$VERSION
      WORKDIR /src/service-%1$d
      COPY --link go.mod go.sum ./
      RUN --mount=type=cache,target=/go/pkg/mod \\
          --mount=type=cache,target=/root/.cache/go-build \\
          set -eux; \\
          apk add --no-cache git make; \\
          # fetch modules first for better caching
          go mod download; \\
          go build -o /out/service-%1$d ./cmd/service
      RUN <<EOF
      set -eux
      echo "stage %1$d" > /out/stage
      for f in /out/*; do sha256sum "$f"; done
      EOF
      COPY <<-"CONF" /etc/service/%1$d.toml
      	[server]
      	port = 80%1$02d
      	CONF
      FROM scratch AS final%1$d
      COPY --from=build%1$d --chmod=0755 /out/service-%1$d /service
      EXPOSE 80%1$02d/tcp 90%1$02d/udp
      HEALTHCHECK --interval=30s --timeout=3s CMD ["/service", "health"]
      USER 65532:65532
      ENTRYPOINT ["/service"]
      CMD ["serve"]

      """;

  /** A buildfile of at least {@code n} lines made of realistic stages. */
  public static String buildfile(int n) {
    StringBuilder sb = new StringBuilder("# syntax=docker/dockerfile:1\nARG GO_VERSION=1.22\nARG VERSION=dev\n");
    int stage = 0;
    while (sb.chars().filter(c -> c == '\n').count() < n) {
      sb.append(STAGE.formatted(stage++));
    }
    return sb.toString();
  }

  @Setup
  public void setUp() {
    text = buildfile(lines);
  }

  @Benchmark
  public SyntaxTree syntaxOnly() {
    return Buildfile.syntax("Dockerfile", text);
  }

  @Benchmark
  public ParseResult parseTyped() {
    return Buildfile.parse("Dockerfile", text);
  }

  @Benchmark
  public Lint.Report parseAndLint() {
    return Lint.check("Dockerfile", text);
  }

  public static void main(String[] args) throws RunnerException {
    boolean quick = args.length > 0 && args[0].equals("quick");
    ChainedOptionsBuilder opts =
        new OptionsBuilder()
            .include(ParserBench.class.getName())
            .forks(1)
            // long warm-up: on a shared, loaded machine the JIT needs many seconds of wall time
            .warmupIterations(quick ? 3 : 10)
            .warmupTime(TimeValue.seconds(quick ? 1 : 3))
            .jvmArgs("-Xms512m", "-Xmx512m")
            .measurementIterations(quick ? 3 : 5)
            .measurementTime(TimeValue.seconds(quick ? 1 : 2))
            .resultFormat(ResultFormatType.TEXT)
            .result("/dev/null")
            .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT);
    Collection<RunResult> results = new Runner(opts.build()).run();
    String text = buildfile(2000);
    long lineCount = text.chars().filter(c -> c == '\n').count();
    System.out.printf("buildfile: %d lines, %d bytes (kiln only: BuildKit's parser is Go, no in-process peer)%n", lineCount, text.length());
    double[] load = new double[1];
    load[0] = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    System.out.printf(
        "load average %.1f on %d cores (medians grow with contention)%n", load[0], Runtime.getRuntime().availableProcessors());
    System.out.printf("%-14s %12s %12s %12s %12s%n", "benchmark", "min ms", "median ms", "p90 ms", "p99 ms");
    for (RunResult r : results) {
      var stats = r.getPrimaryResult().getStatistics();
      String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      System.out.printf(
          "%-14s %12.3f %12.3f %12.3f %12.3f%n",
          name, stats.getMin() / 1000, stats.getPercentile(50) / 1000, stats.getPercentile(90) / 1000, stats.getPercentile(99) / 1000);
    }
  }
}
