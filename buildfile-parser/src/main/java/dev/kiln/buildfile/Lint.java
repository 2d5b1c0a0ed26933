package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.Node;
import dev.kiln.buildfile.ast.SyntaxTree;
import dev.kiln.buildfile.internal.GoText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Lint checks in the spirit of BuildKit's {@code docker build --check}, with BuildKit's rule names
 * where BuildKit has the rule. Honours {@code # check=skip=Rule1,Rule2} (or {@code skip=all}) and
 * {@code # check=error=true}. Pure and thread-safe.
 *
 * @see <a href="https://docs.docker.com/reference/build-checks/">Docker build checks</a>
 */
public final class Lint {
  /** Every rule this linter knows, in the order findings are explained in the docs. */
  public static final List<String> RULES =
      List.of(
          "StageNameCasing",
          "FromAsCasing",
          "ConsistentInstructionCasing",
          "DuplicateStageName",
          "ReservedStageName",
          "JSONArgsRecommended",
          "MaintainerDeprecated",
          "UndefinedArgInFrom",
          "UndefinedVar",
          "WorkdirRelativePath",
          "MultipleInstructionsDisallowed",
          "LegacyKeyValueFormat",
          "RedundantTargetPlatform",
          "SecretsUsedInArgOrEnv",
          "ExposeProtoCasing",
          "ExposeInvalidFormat",
          "NoEmptyContinuation",
          "CopyIgnoredFile",
          "InvalidDefaultArgInFrom",
          "BaseImageWithoutTag");

  private static final Set<String> PLATFORM_ARGS =
      Set.of("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT");
  private static final Set<String> PROXY_ARGS =
      Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");
  private static final Pattern SECRET =
      Pattern.compile("(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)");
  private static final Pattern PUBLIC = Pattern.compile("(?i)(?:_|^)(?:public)(?:_|$)");

  /**
   * The outcome.
   *
   * @param findings what was found, in source order, skipped rules left out
   * @param errors whether {@code # check=error=true} makes findings fail the build
   */
  public record Report(List<Warning> findings, boolean errors) {
    /** Copies the list. */
    public Report {
      findings = List.copyOf(findings);
    }
  }

  private Lint() {}

  /**
   * Lints a buildfile that has been read.
   *
   * @throws BuildfileException when the instructions do not parse
   */
  public static Report check(SyntaxTree tree) {
    return check(tree, IgnorePatterns.of(List.of()));
  }

  /**
   * Lints a buildfile that has been read, with the build context's ignore patterns (for
   * CopyIgnoredFile).
   *
   * @throws BuildfileException when the instructions do not parse
   */
  public static Report check(SyntaxTree tree, IgnorePatterns ignore) {
    ParseResult result = Buildfile.fromSyntax(tree);
    List<Warning> out = new ArrayList<>(tree.warnings());
    casing(tree, out);
    stages(result, out);
    variables(result, out);
    ignored(result, ignore, out);
    invalidDefaults(result, out);
    String check = tree.directive("check").orElse("");
    Set<String> skip = new HashSet<>();
    boolean error = false;
    for (String part : check.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = part.substring(eq + 1).trim();
      if (key.equals("skip")) {
        for (String r : value.split(",")) {
          skip.add(r.trim().toLowerCase(Locale.ROOT));
        }
      } else if (key.equals("error")) {
        error = value.equalsIgnoreCase("true");
      }
    }
    List<Warning> kept = new ArrayList<>();
    for (Warning w : out) {
      if (!skip.contains("all") && !skip.contains(w.rule().toLowerCase(Locale.ROOT))) {
        kept.add(w);
      }
    }
    kept.sort(Comparator.comparingInt((Warning w) -> w.range().startLine()).thenComparingInt(w -> w.range().startColumn()));
    return new Report(kept, error);
  }

  /** Lints a buildfile's text. */
  public static Report check(String file, String text) {
    return check(Buildfile.syntax(file, text));
  }

  private static void ignored(ParseResult result, IgnorePatterns ignore, List<Warning> out) {
    for (Stage stage : result.stages()) {
      for (Instruction i : stage.instructions()) {
        List<String> sources =
            switch (i) {
              case Copy c when c.from().isEmpty() -> c.sources();
              case Add a -> a.sources();
              default -> List.of();
            };
        for (String src : sources) {
          if (src.contains("$") || src.contains("://") || src.startsWith("git@")) {
            continue;
          }
          if (ignore.matches(src)) {
            out.add(new Warning(
                "CopyIgnoredFile",
                "Attempting to " + i.keyword().charAt(0) + i.keyword().substring(1).toLowerCase(Locale.ROOT)
                    + " file \"" + src + "\" that is excluded by .dockerignore",
                i.range()));
          }
        }
      }
    }
  }

  /** A FROM whose image, expanded with the global ARG defaults alone, is empty or malformed. */
  private static void invalidDefaults(ParseResult result, List<Warning> out) {
    Map<String, String> platforms = new HashMap<>();
    PLATFORM_ARGS.forEach(p -> platforms.put(p, "linux/amd64"));
    Map<String, String> globals;
    try {
      globals = ArgScopes.global(result, Map.of(), platforms);
    } catch (BuildfileException e) {
      return; // the build reports it
    }
    for (Stage stage : result.stages()) {
      From from = stage.from();
      if (!from.image().contains("$")) {
        continue;
      }
      ShellWords.Expansion e;
      try {
        e = ShellWords.process(from.image(), globals, ShellWords.Options.of(result.escape()));
      } catch (ExpansionException ex) {
        continue;
      }
      String image = e.word();
      if (image.isEmpty() || image.startsWith(":") || image.endsWith(":") || image.endsWith("@") || image.contains("::")) {
        String names = e.unmatched().isEmpty() ? String.join(", ", e.matched()) : String.join(", ", new java.util.TreeSet<>(e.unmatched()));
        out.add(new Warning(
            "InvalidDefaultArgInFrom",
            "Default value for ARG " + names + " results in empty or invalid base image name",
            from.range()));
      }
    }
  }

  private static void casing(SyntaxTree tree, List<Warning> out) {
    int upper = 0;
    int lower = 0;
    for (Node n : tree.nodes()) {
      if (n.keyword().equals(n.keyword().toUpperCase(Locale.ROOT))) {
        upper++;
      } else if (n.keyword().equals(n.keyword().toLowerCase(Locale.ROOT))) {
        lower++;
      }
    }
    boolean majorityUpper = upper >= lower;
    for (Node n : tree.nodes()) {
      String expected = majorityUpper ? n.keyword().toUpperCase(Locale.ROOT) : n.keyword().toLowerCase(Locale.ROOT);
      if (!n.keyword().equals(expected)) {
        out.add(new Warning(
            "ConsistentInstructionCasing",
            "Command '" + n.keyword() + "' should match the case of the command majority (" + (majorityUpper ? "uppercase" : "lowercase") + ")",
            n.range()));
      }
      if (n.command().equals("from") && n.args().size() == 3) {
        String as = n.args().get(1);
        boolean kwUpper = n.keyword().equals(n.keyword().toUpperCase(Locale.ROOT));
        boolean asUpper = as.equals(as.toUpperCase(Locale.ROOT));
        boolean kwLower = n.keyword().equals(n.keyword().toLowerCase(Locale.ROOT));
        boolean asLower = as.equals(as.toLowerCase(Locale.ROOT));
        if ((kwUpper && !asUpper) || (kwLower && !asLower)) {
          out.add(new Warning("FromAsCasing", "'" + as + "' and '" + n.keyword() + "' keywords' casing do not match", n.range()));
        }
        String name = n.args().get(2);
        if (!name.equals(name.toLowerCase(Locale.ROOT))) {
          out.add(new Warning("StageNameCasing", "Stage name '" + name + "' should be lowercase", n.range()));
        }
      }
    }
  }

  private static void stages(ParseResult result, List<Warning> out) {
    Map<String, Stage> names = new HashMap<>();
    for (Stage stage : result.stages()) {
      From from = stage.from();
      stage.name().ifPresent(name -> {
        if (names.containsKey(name)) {
          out.add(new Warning("DuplicateStageName", "Duplicate stage name '" + name + "', stage names should be unique", from.range()));
        }
        names.putIfAbsent(name, stage);
        if (name.equals("scratch") || name.equals("context")) {
          out.add(new Warning("ReservedStageName", "'" + name + "' is reserved and should not be used as a stage name", from.range()));
        }
      });
      if (from.platform().equals("$TARGETPLATFORM") || from.platform().equals("${TARGETPLATFORM}")) {
        out.add(new Warning(
            "RedundantTargetPlatform",
            "Setting platform to predefined " + from.platform() + " in FROM is redundant as this is the default behavior",
            from.range()));
      }
      if (untagged(result, stage)) {
        out.add(new Warning(
            "BaseImageWithoutTag",
            "FROM " + from.image() + " has no tag or digest: pin one (e.g. " + from.image() + ":1.2) for repeatable builds",
            from.range()));
      }
      Map<String, Integer> counts = new HashMap<>();
      boolean absoluteWorkdir = false;
      for (Instruction i : stage.instructions()) {
        switch (i) {
          case Cmd c -> {
            counted(counts, "CMD", c.range(), out);
            jsonRecommended("CMD", c.command(), c.range(), out);
          }
          case Entrypoint e -> {
            counted(counts, "ENTRYPOINT", e.range(), out);
            jsonRecommended("ENTRYPOINT", e.command(), e.range(), out);
          }
          case Healthcheck h -> counted(counts, "HEALTHCHECK", h.range(), out);
          case Maintainer m -> out.add(new Warning("MaintainerDeprecated", "Maintainer instruction is deprecated in favor of using label", m.range()));
          case Workdir w -> {
            boolean absolute = w.path().startsWith("/") || w.path().startsWith("$") || w.path().matches("^[A-Za-z]:[\\\\/].*");
            if (!absolute && !absoluteWorkdir) {
              out.add(new Warning(
                  "WorkdirRelativePath", "Relative workdir '" + w.path() + "' can have unexpected results if the base image changes", w.range()));
            }
            absoluteWorkdir |= absolute;
          }
          case Env e -> {
            legacy("ENV", e.legacyForm(), e.range(), out);
            e.pairs().forEach(p -> secret("ENV", p.key(), e.range(), out));
          }
          case Label l -> legacy("LABEL", l.legacyForm(), l.range(), out);
          case Arg a -> a.definitions().forEach(d -> secret("ARG", d.name(), a.range(), out));
          case Expose e -> e.ports().forEach(p -> expose(p, e.range(), out));
          default -> {}
        }
      }
    }
    for (Arg a : result.globalArgs()) {
      a.definitions().forEach(d -> secret("ARG", d.name(), a.range(), out));
    }
  }

  private static boolean untagged(ParseResult result, Stage stage) {
    String image = stage.from().image();
    if (image.equalsIgnoreCase("scratch") || image.contains("$") || result.stage(image, stage.index()).isPresent()) {
      return false;
    }
    int slash = image.lastIndexOf('/');
    String last = image.substring(slash + 1);
    return !last.contains(":") && !image.contains("@");
  }

  private static void counted(Map<String, Integer> counts, String keyword, SourceRange range, List<Warning> out) {
    if (counts.merge(keyword, 1, Integer::sum) > 1) {
      out.add(new Warning(
          "MultipleInstructionsDisallowed",
          "Multiple " + keyword + " instructions should not be used in the same stage because only the last one will be used",
          range));
    }
  }

  private static void jsonRecommended(String keyword, CommandForm form, SourceRange range, List<Warning> out) {
    if (form instanceof CommandForm.ShellScript) {
      out.add(new Warning(
          "JSONArgsRecommended",
          "JSON arguments recommended for " + keyword + " to prevent unintended behavior related to OS signals",
          range));
    }
  }

  private static void legacy(String keyword, boolean legacy, SourceRange range, List<Warning> out) {
    if (legacy) {
      out.add(new Warning(
          "LegacyKeyValueFormat",
          "\"" + keyword + " key=value\" should be used instead of legacy \"" + keyword + " key value\" format",
          range));
    }
  }

  private static void secret(String keyword, String name, SourceRange range, List<Warning> out) {
    if (SECRET.matcher(name).find() && !PUBLIC.matcher(name).find()) {
      out.add(new Warning(
          "SecretsUsedInArgOrEnv",
          "Do not use ARG or ENV instructions for sensitive data (" + keyword + " \"" + name + "\")",
          range));
    }
  }

  private static void expose(String port, SourceRange range, List<Warning> out) {
    if (port.contains("$")) {
      return;
    }
    if (port.contains(":")) {
      out.add(new Warning(
          "ExposeInvalidFormat",
          "EXPOSE instruction should not define an IP address or host-port mapping, found '" + port + "'",
          range));
      return;
    }
    int slash = port.indexOf('/');
    if (slash >= 0) {
      String proto = port.substring(slash + 1);
      if (!proto.equals(proto.toLowerCase(Locale.ROOT))) {
        out.add(new Warning("ExposeProtoCasing", "Defined protocol '" + proto + "' in EXPOSE instruction should be lowercase", range));
      }
    }
  }

  /** Variables used but never declared; FROM lines see only global ARGs and platform ARGs. */
  private static void variables(ParseResult result, List<Warning> out) {
    Map<String, String> global = new LinkedHashMap<>();
    for (Arg a : result.globalArgs()) {
      for (Arg.Definition d : a.definitions()) {
        undefined(d.defaultValue(), global, a.range(), "UndefinedVar", true, out);
        global.put(d.name(), "");
      }
    }
    Map<String, String> fromScope = new HashMap<>(global);
    PLATFORM_ARGS.forEach(p -> fromScope.put(p, ""));
    Map<Integer, Map<String, String>> stageEnv = new HashMap<>();
    Map<Integer, Boolean> stageKnown = new HashMap<>();
    for (Stage stage : result.stages()) {
      From from = stage.from();
      for (String text : Expansions.expandedArguments(from)) {
        for (String name : references(text, fromScope, result.escape())) {
          out.add(new Warning("UndefinedArgInFrom", "FROM argument '" + name + "' is not declared" + hint(name, fromScope), from.range()));
        }
      }
      Optional<Stage> parent = result.stage(from.image(), stage.index());
      Map<String, String> env = new HashMap<>(parent.map(p -> stageEnv.get(p.index())).orElse(Map.of()));
      // with an image base kiln cannot see the image's environment: only likely typos are reported
      boolean known = parent.map(p -> stageKnown.get(p.index())).orElse(from.image().equalsIgnoreCase("scratch"));
      for (Instruction i : stage.instructions()) {
        for (String text : Expansions.expandedArguments(i)) {
          undefined(text, env, i.range(), "UndefinedVar", known, out);
        }
        switch (i) {
          case Env e -> e.pairs().forEach(p -> env.put(p.key(), ""));
          case Arg a -> a.definitions().forEach(d -> env.put(d.name(), ""));
          default -> {}
        }
      }
      stageEnv.put(stage.index(), env);
      stageKnown.put(stage.index(), known);
    }
  }

  private static void undefined(String text, Map<String, String> env, SourceRange range, String rule, boolean known, List<Warning> out) {
    for (String name : references(text, env, '\\')) {
      if (PROXY_ARGS.contains(name)) {
        continue;
      }
      String hint = hint(name, env);
      if (known || !hint.isEmpty()) {
        out.add(new Warning(rule, "Usage of undefined variable '$" + name + "'" + hint, range));
      }
    }
  }

  private static Set<String> references(String text, Map<String, String> env, char escape) {
    try {
      return ShellWords.process(text, env, ShellWords.Options.of(escape)).unmatched();
    } catch (ExpansionException e) {
      return Set.of(); // malformed words are the builder's error, not a lint finding
    }
  }

  private static String hint(String name, Map<String, String> env) {
    return GoText.suggest(name, env.keySet()).map(s -> " (did you mean $" + s + "?)").orElse("");
  }
}
