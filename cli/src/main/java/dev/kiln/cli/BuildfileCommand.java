package dev.kiln.cli;

import dev.kiln.buildfile.Buildfile;
import dev.kiln.buildfile.BuildfileException;
import dev.kiln.buildfile.BuildfileJson;
import dev.kiln.buildfile.IgnorePatterns;
import dev.kiln.buildfile.Lint;
import dev.kiln.buildfile.Warning;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln buildfile parse|check FILE}: shows how kiln reads a buildfile and lints it. */
@Command(
    name = "buildfile",
    description = "Parse or lint a buildfile (Dockerfile syntax).",
    mixinStandardHelpOptions = true,
    subcommands = {BuildfileCommand.Parse.class, BuildfileCommand.Check.class})
public final class BuildfileCommand {
  /** Exit code for a buildfile that does not parse or cannot be read. */
  static final int INVALID = 2;

  /** The file's text, or empty after printing why it cannot be read. */
  static Optional<String> read(Path file, String what) {
    try {
      return Optional.of(Buildfile.decode(Files.readAllBytes(file)));
    } catch (IOException e) {
      System.err.println("kiln: cannot read " + what + " " + file + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /** Reads the buildfile and runs {@code body} on its text; unreadable or invalid input exits 2. */
  static int withBuildfile(Path file, java.util.function.ToIntFunction<String> body) {
    Optional<String> text = read(file, "buildfile");
    if (text.isEmpty()) {
      return INVALID;
    }
    try {
      return body.applyAsInt(text.get());
    } catch (BuildfileException e) {
      return fail(System.err, e);
    }
  }

  static int fail(PrintStream err, BuildfileException e) {
    err.println("kiln: " + e.getMessage());
    e.sourceLine().ifPresent(line -> err.println("    " + line.strip()));
    return INVALID;
  }

  /** {@code kiln buildfile parse [--format=json|sexp] FILE}. */
  @Command(name = "parse", description = "Print the parsed buildfile.", mixinStandardHelpOptions = true)
  public static final class Parse implements Callable<Integer> {
    @Option(
        names = "--format",
        defaultValue = "json",
        description = "json (typed stages and instructions) or sexp (BuildKit's parser dump)")
    String format;

    @Parameters(paramLabel = "FILE", description = "the buildfile")
    Path file;

    @Override
    public Integer call() {
      if (!format.equals("json") && !format.equals("sexp")) {
        System.err.println("kiln: unknown --format " + format + ": use json or sexp");
        return INVALID;
      }
      return withBuildfile(file, text -> {
        System.out.print(
            format.equals("sexp")
                ? Buildfile.syntax(file.toString(), text).sexp() + "\n"
                : BuildfileJson.of(Buildfile.parse(file.toString(), text)));
        return 0;
      });
    }
  }

  /** {@code kiln buildfile check FILE}: lint findings, BuildKit rule names. */
  @Command(
      name = "check",
      description = "Lint a buildfile; exits 1 when findings are errors (# check=error=true).",
      mixinStandardHelpOptions = true)
  public static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the buildfile")
    Path file;

    @Option(
        names = "--context",
        description = "the build context, for .dockerignore checks (default: the buildfile's directory)")
    Path context;

    @Override
    public Integer call() {
      return withBuildfile(file, text -> {
        Lint.Report report = Lint.check(Buildfile.syntax(file.toString(), text), ignorePatterns());
        for (Warning w : report.findings()) {
          System.out.println(w);
        }
        System.err.println(report.findings().size() + " finding(s)" + (report.errors() ? " (errors)" : ""));
        return report.errors() && !report.findings().isEmpty() ? 1 : 0;
      });
    }

    /** FILE.dockerignore beside the buildfile, else .dockerignore in the context; none: no patterns. */
    private IgnorePatterns ignorePatterns() {
      Path dir = context != null ? context : file.toAbsolutePath().getParent();
      for (String name : IgnorePatterns.candidateFiles(file.getFileName().toString())) {
        Path candidate = name.startsWith(".") ? dir.resolve(name) : file.resolveSibling(name);
        if (Files.isRegularFile(candidate)) {
          return IgnorePatterns.parse(
              candidate.toString(),
              read(candidate, "ignore file").orElseThrow(() -> new BuildfileException(
                  dev.kiln.buildfile.SourceRange.at(candidate.toString(), 1, 1), "cannot read the ignore file")));
        }
      }
      return IgnorePatterns.of(List.of());
    }
  }
}
