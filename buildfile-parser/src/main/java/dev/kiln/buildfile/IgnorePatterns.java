package dev.kiln.buildfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code .dockerignore} matcher with Docker's semantics (moby/patternmatcher): {@code *} and
 * {@code ?} stay within one path segment, {@code [...]} is a character class, {@code **} spans any
 * number of segments, {@code \} escapes, a leading {@code /} is dropped, patterns and paths are
 * cleaned ({@code a/./b/../c} is {@code a/c}), later {@code !} exceptions re-include, and a path is
 * excluded when it or any of its parent directories matches.
 *
 * <p>{@link #canPrune} tells a context walker when a whole directory can be skipped: it is excluded
 * and no exception could re-include anything below it. Immutable and thread-safe.
 *
 * @see <a href="https://docs.docker.com/build/concepts/context/#dockerignore-files">.dockerignore
 *     files</a>
 */
public final class IgnorePatterns {
  /**
   * One pattern line.
   *
   * @param text the cleaned pattern, without {@code !}
   * @param exception whether it began with {@code !} (re-includes)
   * @param line the line it came from (1-based; 0 when built from a list)
   */
  public record Rule(String text, boolean exception, int line) {
    /** Validates. */
    public Rule {
      Objects.requireNonNull(text);
    }
  }

  private final List<Rule> rules;
  private final List<Pattern> regexes;
  private final List<List<Pattern>> segments;

  private IgnorePatterns(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    this.regexes = new ArrayList<>();
    this.segments = new ArrayList<>();
    for (Rule r : rules) {
      regexes.add(compile(r.text()));
      List<Pattern> segs = new ArrayList<>();
      for (String seg : r.text().split("/", -1)) {
        segs.add(seg.contains("**") ? null : compile(seg));
      }
      segments.add(segs);
    }
  }

  /** The names to look for, in order of preference, for a buildfile at {@code buildfilePath}. */
  public static List<String> candidateFiles(String buildfilePath) {
    return List.of(buildfilePath + ".dockerignore", ".dockerignore");
  }

  /**
   * Reads an ignore file: {@code #} comment lines, blank lines skipped, whitespace trimmed.
   *
   * @param file the file's name, for errors
   * @throws BuildfileException for a lone {@code !}
   */
  public static IgnorePatterns parse(String file, String text) {
    List<Rule> rules = new ArrayList<>();
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String[] lines = body.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("#")) {
        continue;
      }
      String p = line.strip();
      if (p.isEmpty()) {
        continue;
      }
      boolean exception = p.charAt(0) == '!';
      if (exception) {
        p = p.substring(1).strip();
        if (p.isEmpty()) {
          throw new BuildfileException(SourceRange.at(file, i + 1, 1), "illegal exclusion pattern: \"!\"", line);
        }
      }
      p = clean(p);
      if (p.length() > 1 && p.charAt(0) == '/') {
        p = p.substring(1);
      }
      rules.add(new Rule(p, exception, i + 1));
    }
    return new IgnorePatterns(rules);
  }

  /** A matcher of the given pattern lines (each may start with {@code !}). */
  public static IgnorePatterns of(List<String> patterns) {
    return parse("patterns", String.join("\n", patterns));
  }

  /** The rules in order. */
  public List<Rule> rules() {
    return rules;
  }

  /** Go's {@code filepath.Clean} for slash-separated paths. */
  public static String clean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  private static String normalize(String path) {
    String p = clean(path);
    return p.startsWith("/") && p.length() > 1 ? p.substring(1) : p;
  }

  /** Whether {@code path} (relative to the context, {@code /}-separated) is excluded. */
  public boolean matches(String path) {
    String file = normalize(path);
    int slash = file.lastIndexOf('/');
    String[] parents = slash < 0 ? new String[0] : file.substring(0, slash).split("/");
    boolean matched = false;
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      if (rule.exception() != matched) {
        continue; // an exclusion cannot add to a match, an exception only undoes one
      }
      Pattern re = regexes.get(i);
      boolean match = re.matcher(file).matches();
      StringBuilder parent = new StringBuilder();
      for (int j = 0; !match && j < parents.length; j++) {
        parent.append(j == 0 ? "" : "/").append(parents[j]);
        match = re.matcher(parent).matches();
      }
      if (match) {
        matched = !rule.exception();
      }
    }
    return matched;
  }

  /**
   * Whether a walker may skip directory {@code dir} with everything below it: it is excluded and no
   * exception pattern could match a path under it (decided segment by segment; {@code **} in an
   * exception keeps every directory it could reach).
   */
  public boolean canPrune(String dir) {
    if (!matches(dir)) {
      return false;
    }
    String[] dirSegs = normalize(dir).split("/");
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).exception() && couldReach(segments.get(i), dirSegs)) {
        return false;
      }
    }
    return true;
  }

  private static boolean couldReach(List<Pattern> patternSegs, String[] dirSegs) {
    int n = Math.min(patternSegs.size(), dirSegs.length);
    for (int i = 0; i < n; i++) {
      Pattern seg = patternSegs.get(i);
      if (seg == null) {
        return true;
      }
      if (!seg.matcher(dirSegs[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  private static Pattern compile(String pattern) {
    try {
      return Pattern.compile(regex(pattern));
    } catch (java.util.regex.PatternSyntaxException e) {
      return Pattern.compile("(?!)"); // Docker rejects such a pattern at match time; it matches nothing here
    }
  }

  /** Docker's translation of a pattern to a regular expression (anchored at both ends). */
  private static String regex(String pattern) {
    StringBuilder re = new StringBuilder("^");
    int[] p = pattern.codePoints().toArray();
    boolean inClass = false;
    for (int i = 0; i < p.length; i++) {
      int ch = p[i];
      if (ch == '*') {
        if (i + 1 < p.length && p[i + 1] == '*') {
          i++;
          if (i + 1 < p.length && p[i + 1] == '/') {
            i++;
          }
          re.append(i + 1 >= p.length ? ".*" : "(.*/)?");
        } else {
          re.append("[^/]*");
        }
      } else if (ch == '?') {
        re.append("[^/]");
      } else if (ch == '\\') {
        if (i + 1 < p.length) {
          re.append(Pattern.quote(Character.toString(p[++i])));
        } else {
          re.append("\\\\");
        }
      } else if (ch == '[' && !inClass) {
        inClass = true;
        re.append('[');
      } else if (ch == ']' && inClass) {
        inClass = false;
        re.append(']');
      } else if (inClass) {
        if (ch == '&' || ch == '[' || ch == '.' || ch == '$' || ch == '{' || ch == '}' || ch == '(' || ch == ')' || ch == '|' || ch == '+') {
          re.append('\\');
        }
        re.appendCodePoint(ch);
      } else {
        re.append(Pattern.quote(Character.toString(ch)));
      }
    }
    if (inClass) {
      return "(?!)"; // an unclosed class is a syntax error in Docker; such a pattern matches nothing
    }
    return re.append('$').toString();
  }
}
