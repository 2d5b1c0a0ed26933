package dev.kiln.buildfile.internal;

import dev.kiln.buildfile.BuildfileException;
import dev.kiln.buildfile.SourceRange;
import dev.kiln.buildfile.ast.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flags of one instruction, checked against the ones it accepts, as BuildKit's {@code BFlags}:
 * string flags need a value, boolean flags take none or true/false, list flags may repeat, other
 * flags may not. Every problem is reported at the flag.
 */
public final class Flags {
  /** The kinds of flag. */
  public enum Kind {
    /** {@code --name=value}, once. */
    STRING,
    /** {@code --name} or {@code --name=true|false}, once. */
    BOOL,
    /** {@code --name=value}, any number of times. */
    LIST
  }

  private final Map<String, Kind> accepted = new LinkedHashMap<>();
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  /** Declares an accepted flag. */
  public Flags accept(String name, Kind kind) {
    accepted.put(name, kind);
    return this;
  }

  /**
   * Checks the node's flags.
   *
   * @throws BuildfileException at the first bad flag
   */
  public Flags parse(Node node) {
    for (int i = 0; i < node.flags().size(); i++) {
      String arg = node.flags().get(i);
      SourceRange at = node.flagRanges().get(i);
      if (!arg.startsWith("--")) {
        throw new BuildfileException(at, "flag " + arg + " of " + upper(node) + " must start with '--'", node.original());
      }
      if (arg.equals("--")) {
        return this;
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      Kind kind = accepted.get(name);
      if (kind == null) {
        String hint =
            accepted.isEmpty()
                ? upper(node) + " takes no flags"
                : GoText.suggest(name, accepted.keySet())
                    .map(s -> "did you mean --" + s + "?")
                    .orElse(upper(node) + " accepts " + String.join(", ", accepted.keySet().stream().map(s -> "--" + s).toList()));
        throw new BuildfileException(at, "unknown flag: --" + name + " — " + hint, node.original());
      }
      if (values.containsKey(name) && kind != Kind.LIST) {
        throw new BuildfileException(at, "duplicate flag specified: --" + name, node.original());
      }
      String value;
      if (kind == Kind.BOOL) {
        String v = eq < 0 ? "true" : body.substring(eq + 1).toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("true")) {
          value = "true";
        } else if (v.equals("false")) {
          value = "false";
        } else {
          throw new BuildfileException(
              at, "expecting boolean value for flag --" + name + ", not: " + body.substring(eq + 1), node.original());
        }
      } else {
        if (eq < 0) {
          throw new BuildfileException(at, "missing a value on flag: --" + name + " (write --" + name + "=VALUE)", node.original());
        }
        value = body.substring(eq + 1);
      }
      values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return this;
  }

  private static String upper(Node node) {
    return node.keyword().toUpperCase(Locale.ROOT);
  }

  /** The value of a string flag, empty when absent. */
  public String string(String name) {
    List<String> v = values.get(name);
    return v == null ? "" : v.get(0);
  }

  /** Whether a boolean flag is set to true. */
  public boolean bool(String name) {
    return "true".equals(string(name));
  }

  /** Every value of a list flag. */
  public List<String> list(String name) {
    return values.getOrDefault(name, List.of());
  }

  /** Whether the flag was given. */
  public boolean given(String name) {
    return values.containsKey(name);
  }
}
