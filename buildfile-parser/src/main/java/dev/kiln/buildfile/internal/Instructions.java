package dev.kiln.buildfile.internal;

import dev.kiln.buildfile.Add;
import dev.kiln.buildfile.Arg;
import dev.kiln.buildfile.BuildfileException;
import dev.kiln.buildfile.Cmd;
import dev.kiln.buildfile.CommandForm;
import dev.kiln.buildfile.Copy;
import dev.kiln.buildfile.Entrypoint;
import dev.kiln.buildfile.Env;
import dev.kiln.buildfile.Expose;
import dev.kiln.buildfile.From;
import dev.kiln.buildfile.Healthcheck;
import dev.kiln.buildfile.Instruction;
import dev.kiln.buildfile.KeyValue;
import dev.kiln.buildfile.Label;
import dev.kiln.buildfile.Maintainer;
import dev.kiln.buildfile.Onbuild;
import dev.kiln.buildfile.Run;
import dev.kiln.buildfile.Shell;
import dev.kiln.buildfile.StopSignal;
import dev.kiln.buildfile.User;
import dev.kiln.buildfile.Volume;
import dev.kiln.buildfile.Workdir;
import dev.kiln.buildfile.ast.Heredoc;
import dev.kiln.buildfile.ast.LineReader;
import dev.kiln.buildfile.ast.Node;
import dev.kiln.buildfile.internal.Flags.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The keyword dispatch table: each {@link Node} becomes its typed {@link Instruction}, with
 * BuildKit's argument-count and flag rules ({@code instructions/parse.go}).
 */
public final class Instructions {
  private static final Map<String, Function<Node, Instruction>> DISPATCH = new LinkedHashMap<>();

  static {
    DISPATCH.put("from", Instructions::from);
    DISPATCH.put("run", Instructions::run);
    DISPATCH.put("cmd", n -> {
      flags(n);
      return new Cmd(n.range(), command(n, n.args()));
    });
    DISPATCH.put("label", n -> {
      flags(n);
      return new Label(n.range(), pairs(n), legacy(n));
    });
    DISPATCH.put("maintainer", n -> new Maintainer(n.range(), one(n)));
    DISPATCH.put("expose", n -> {
      atLeastOne(n);
      flags(n);
      return new Expose(n.range(), n.args());
    });
    DISPATCH.put("env", n -> {
      flags(n);
      return new Env(n.range(), pairs(n), legacy(n));
    });
    DISPATCH.put("add", Instructions::add);
    DISPATCH.put("copy", Instructions::copy);
    DISPATCH.put("entrypoint", n -> {
      flags(n);
      return new Entrypoint(n.range(), command(n, n.args()));
    });
    DISPATCH.put("volume", Instructions::volume);
    DISPATCH.put("user", n -> new User(n.range(), one(n)));
    DISPATCH.put("workdir", n -> new Workdir(n.range(), one(n)));
    DISPATCH.put("arg", Instructions::arg);
    DISPATCH.put("onbuild", Instructions::onbuild);
    DISPATCH.put("stopsignal", n -> new StopSignal(n.range(), one(n)));
    DISPATCH.put("healthcheck", Instructions::healthcheck);
    DISPATCH.put("shell", Instructions::shell);
  }

  private Instructions() {}

  /** The instruction keywords, upper case, in documentation order. */
  public static List<String> keywords() {
    return DISPATCH.keySet().stream().map(k -> k.toUpperCase(Locale.ROOT)).toList();
  }

  /**
   * Types one node.
   *
   * @throws BuildfileException for an unknown instruction, wrong arguments or bad flags
   */
  public static Instruction of(Node node) {
    Function<Node, Instruction> f = DISPATCH.get(node.command());
    if (f == null) {
      String hint =
          GoText.suggest(node.keyword(), keywords())
              .map(s -> "did you mean " + s + "?")
              .orElse("instructions are " + String.join(", ", keywords()));
      throw error(node, "unknown instruction: " + node.keyword() + " — " + hint);
    }
    return f.apply(node);
  }

  static BuildfileException error(Node node, String message) {
    return new BuildfileException(node.range(), message, node.original());
  }

  private static String upper(Node n) {
    return n.keyword().toUpperCase(Locale.ROOT);
  }

  private static Flags flags(Node n) {
    return new Flags().parse(n);
  }

  private static void atLeastOne(Node n) {
    if (n.args().isEmpty()) {
      throw error(n, upper(n) + " requires at least one argument");
    }
  }

  private static String one(Node n) {
    if (n.args().size() != 1) {
      throw error(n, upper(n) + " requires exactly one argument");
    }
    flags(n);
    return n.args().get(0);
  }

  private static boolean legacy(Node n) {
    return n.args().size() >= 3 && n.args().get(2).isEmpty();
  }

  private static List<KeyValue> pairs(Node n) {
    atLeastOne(n);
    List<KeyValue> out = new ArrayList<>();
    for (int i = 0; i + 2 < n.args().size(); i += 3) { // key, value, separator
      String key = n.args().get(i);
      if (key.isEmpty()) {
        throw error(n, upper(n) + " names can not be blank");
      }
      out.add(new KeyValue(key, n.args().get(i + 1)));
    }
    return out;
  }

  private static CommandForm command(Node n, List<String> args) {
    if (n.json()) {
      return new CommandForm.Exec(args);
    }
    return new CommandForm.ShellScript(String.join(" ", args));
  }

  private static From from(Node n) {
    List<String> a = n.args();
    String name = "";
    if (a.size() == 3 && a.get(1).equalsIgnoreCase("as")) {
      name = a.get(2).toLowerCase(Locale.ROOT);
      if (!validStageName(name)) {
        throw error(
            n,
            "invalid name for build stage: "
                + GoText.quote(a.get(2))
                + ", name can't start with a number or contain symbols (use a-z, 0-9, '-', '_', '.')");
      }
    } else if (a.size() != 1) {
      throw error(n, "FROM requires either one or three arguments: FROM IMAGE [AS NAME]");
    }
    Flags f = new Flags().accept("platform", Kind.STRING).parse(n);
    return new From(n.range(), a.get(0), name, f.string("platform"));
  }

  private static boolean validStageName(String s) {
    if (s.isEmpty() || s.charAt(0) < 'a' || s.charAt(0) > 'z') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  private static Run run(Node n) {
    Flags f =
        new Flags()
            .accept("mount", Kind.LIST)
            .accept("network", Kind.STRING)
            .accept("security", Kind.STRING)
            .parse(n);
    if (n.args().isEmpty() && !n.json()) {
      throw error(n, "RUN requires at least one argument");
    }
    return new Run(n.range(), command(n, n.args()), f.list("mount"), f.string("network"), f.string("security"), n.heredocs());
  }

  private record Sources(List<String> paths, List<Heredoc> inline, String destination) {}

  private static Sources sources(Node n) {
    if (n.args().size() < 2) {
      throw error(
          n,
          upper(n)
              + " requires at least two arguments, but only "
              + (n.args().isEmpty() ? "none was" : "one was")
              + " provided: "
              + upper(n)
              + " SRC... DEST");
    }
    List<String> args = n.args();
    String dest = args.get(args.size() - 1);
    if (LineReader.heredocMarker(dest).isPresent()) {
      throw error(n, upper(n) + " does not support heredocs for a destination");
    }
    Map<String, Heredoc> byName = new LinkedHashMap<>();
    for (Heredoc h : n.heredocs()) {
      byName.put(h.name(), h);
    }
    List<String> paths = new ArrayList<>();
    List<Heredoc> inline = new ArrayList<>();
    for (String src : args.subList(0, args.size() - 1)) {
      Optional<Heredoc> marker = n.json() ? Optional.empty() : LineReader.heredocMarker(src);
      if (marker.isPresent()) {
        Heredoc found = byName.getOrDefault(marker.get().name(), marker.get());
        inline.add(found);
      } else {
        paths.add(src);
      }
    }
    return new Sources(paths, inline, dest);
  }

  private static Copy copy(Node n) {
    Flags f =
        new Flags()
            .accept("from", Kind.STRING)
            .accept("chown", Kind.STRING)
            .accept("chmod", Kind.STRING)
            .accept("link", Kind.BOOL)
            .accept("parents", Kind.BOOL)
            .accept("exclude", Kind.LIST)
            .parse(n);
    Sources s = sources(n);
    return new Copy(
        n.range(), s.paths(), s.inline(), s.destination(), f.string("from"), f.string("chown"),
        f.string("chmod"), f.bool("link"), f.bool("parents"), f.list("exclude"));
  }

  private static Add add(Node n) {
    Flags f =
        new Flags()
            .accept("chown", Kind.STRING)
            .accept("chmod", Kind.STRING)
            .accept("link", Kind.BOOL)
            .accept("keep-git-dir", Kind.BOOL)
            .accept("checksum", Kind.STRING)
            .accept("exclude", Kind.LIST)
            .accept("unpack", Kind.BOOL)
            .parse(n);
    Sources s = sources(n);
    return new Add(
        n.range(), s.paths(), s.inline(), s.destination(), f.string("chown"), f.string("chmod"),
        f.bool("link"), f.bool("keep-git-dir"), f.string("checksum"), f.list("exclude"),
        f.string("unpack"));
  }

  private static Volume volume(Node n) {
    atLeastOne(n);
    flags(n);
    for (String v : n.args()) {
      if (GoText.trimSpace(v).isEmpty()) {
        throw error(n, "VOLUME specified can not be an empty string");
      }
    }
    return new Volume(n.range(), n.args());
  }

  private static Arg arg(Node n) {
    atLeastOne(n);
    flags(n);
    List<Arg.Definition> defs = new ArrayList<>();
    for (String word : n.args()) {
      int eq = word.indexOf('=');
      if (eq == 0) {
        throw error(n, "ARG names can not be blank: " + word);
      }
      defs.add(eq < 0 ? new Arg.Definition(word, "", false) : new Arg.Definition(word.substring(0, eq), word.substring(eq + 1), true));
    }
    return new Arg(n.range(), defs);
  }

  private static Shell shell(Node n) {
    flags(n);
    if (!n.json()) {
      throw error(n, "SHELL requires the arguments to be in JSON form: SHELL [\"executable\", \"parameters\"]");
    }
    atLeastOne(n);
    return new Shell(n.range(), n.args());
  }

  private static Onbuild onbuild(Node n) {
    if (n.children().isEmpty()) {
      throw error(n, "ONBUILD requires at least one argument");
    }
    flags(n);
    Node child = n.children().get(0);
    String trigger = child.keyword().toUpperCase(Locale.ROOT);
    switch (trigger) {
      case "ONBUILD" -> throw error(n, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      case "MAINTAINER", "FROM" -> throw error(n, trigger + " isn't allowed as an ONBUILD trigger");
      default -> {}
    }
    Instruction typed = of(child.withHeredocs(n.heredocs(), n.range()));
    StringBuilder expression = new StringBuilder(stripOnbuild(n.original()));
    for (Heredoc h : n.heredocs()) {
      expression.append('\n').append(h.content()).append(h.name());
    }
    return new Onbuild(n.range(), typed, expression.toString());
  }

  private static String stripOnbuild(String original) {
    int i = 0;
    while (i < original.length() && GoText.isSpace(original.charAt(i))) {
      i++;
    }
    if (original.regionMatches(true, i, "ONBUILD", 0, 7)) {
      i += 7;
    }
    while (i < original.length() && GoText.isSpace(original.charAt(i))) {
      i++;
    }
    return original.substring(i);
  }

  private static Healthcheck healthcheck(Node n) {
    atLeastOne(n);
    Flags f =
        new Flags()
            .accept("interval", Kind.STRING)
            .accept("timeout", Kind.STRING)
            .accept("start-period", Kind.STRING)
            .accept("start-interval", Kind.STRING)
            .accept("retries", Kind.STRING)
            .parse(n);
    String type = n.args().get(0).toUpperCase(Locale.ROOT);
    List<String> rest = n.args().subList(1, n.args().size());
    if (type.equals("NONE")) {
      if (!rest.isEmpty()) {
        throw error(n, "HEALTHCHECK NONE takes no arguments");
      }
      return new Healthcheck(
          n.range(), true, new CommandForm.Exec(List.of()), Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
    }
    if (!type.equals("CMD")) {
      throw error(n, "Unknown type " + GoText.quote(type) + " in HEALTHCHECK (try CMD)");
    }
    if (rest.isEmpty()) {
      throw error(n, "Missing command after HEALTHCHECK CMD");
    }
    int retries = 0;
    String r = f.string("retries");
    if (!r.isEmpty()) {
      try {
        retries = Integer.parseInt(r);
      } catch (NumberFormatException e) {
        throw error(n, "--retries must be a whole number, not " + r);
      }
      if (retries < 1) {
        throw error(n, "--retries must be at least 1 (not " + retries + ")");
      }
    }
    return new Healthcheck(
        n.range(), false, command(n, rest), interval(n, f, "interval"), interval(n, f, "timeout"),
        interval(n, f, "start-period"), interval(n, f, "start-interval"), retries);
  }

  private static Duration interval(Node n, Flags f, String name) {
    String s = f.string(name);
    if (s.isEmpty()) {
      return Duration.ZERO;
    }
    Duration d;
    try {
      d = GoDuration.parse(s);
    } catch (IllegalArgumentException e) {
      throw error(n, "--" + name + ": " + e.getMessage());
    }
    if (!d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
      throw error(n, "Interval --" + name + " cannot be less than 1ms");
    }
    return d;
  }
}
