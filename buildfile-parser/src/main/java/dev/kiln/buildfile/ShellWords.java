package dev.kiln.buildfile;

import dev.kiln.buildfile.internal.GoText;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Shell-word processing as BuildKit's {@code shell.Lex} does it: quotes, escapes, {@code $VAR},
 * {@code ${VAR}} with the operators {@code :- - :+ + :? ? # ## % %% / //}, and splitting into words
 * on unquoted whitespace (after expansion, like a shell). Pure: no I/O, no state between calls,
 * thread-safe.
 *
 * <p>Which instructions expand which arguments is the builder's business (ARG and ENV values only
 * exist while building); see {@code spec/docs/buildfile.md}.
 *
 * @see <a href="https://docs.docker.com/reference/dockerfile/#environment-replacement">Dockerfile
 *     reference: environment replacement</a>
 */
public final class ShellWords {
  /** Nesting deeper than this is refused, so hostile input cannot exhaust the stack. */
  public static final int MAX_NESTING = 256;

  /**
   * How to process.
   *
   * @param escape the escape character, {@code \} or {@code `}
   * @param rawQuotes keep quote characters in the result
   * @param rawEscapes keep escape characters in the result
   * @param skipUnsetEnv leave references to unset variables as written
   */
  public record Options(char escape, boolean rawQuotes, boolean rawEscapes, boolean skipUnsetEnv) {
    /** Plain expansion with the given escape character. */
    public static Options of(char escape) {
      return new Options(escape, false, false, false);
    }
  }

  /**
   * The outcome of processing one input.
   *
   * @param word the expanded text, whitespace kept
   * @param words the expanded text split into words on unquoted whitespace
   * @param matched names referenced and set
   * @param unmatched names referenced but unset
   */
  public record Expansion(String word, List<String> words, Set<String> matched, Set<String> unmatched) {
    /** Copies the collections. */
    public Expansion {
      Objects.requireNonNull(word);
      words = List.copyOf(words);
      matched = Set.copyOf(matched);
      unmatched = Set.copyOf(unmatched);
    }
  }

  private final int[] cps;
  private final Map<String, String> env;
  private final Options options;
  private final Set<String> matched = new LinkedHashSet<>();
  private final Set<String> unmatched = new LinkedHashSet<>();
  private int pos;
  private int depth;
  private boolean rawQuotes;

  private ShellWords(String input, Map<String, String> env, Options options) {
    this.cps = input.codePoints().toArray();
    this.env = Objects.requireNonNull(env);
    this.options = options;
    this.rawQuotes = options.rawQuotes();
  }

  /**
   * Processes {@code input} against {@code env} (a variable present with an empty value is set).
   * The map is only read, and only during the call.
   *
   * @throws ExpansionException when the input is malformed or a {@code ?} check fails
   */
  public static Expansion process(String input, Map<String, String> env, Options options) {
    ShellWords sw = new ShellWords(input, env, options);
    try {
      Result r = sw.processStopOn(-1, false);
      return new Expansion(r.word, r.words, sw.matched, sw.unmatched);
    } catch (ExpansionException e) {
      throw new ExpansionException("failed to process " + GoText.quote(input) + ": " + e.getMessage());
    }
  }

  /** Expands {@code input} to one string with escape {@code \}. */
  public static String word(String input, Map<String, String> env) {
    return process(input, env, Options.of('\\')).word();
  }

  /** Expands {@code input} and splits it into words with escape {@code \}. */
  public static List<String> words(String input, Map<String, String> env) {
    return process(input, env, Options.of('\\')).words();
  }

  private record Result(String word, List<String> words) {}

  /** BuildKit's word accumulator, including its quirks (an empty quoted string is no word). */
  private static final class Words {
    final StringBuilder word = new StringBuilder();
    final List<String> words = new ArrayList<>();
    boolean inWord;

    void addChar(int ch) {
      boolean space = GoText.isSpace(ch);
      if (space && inWord) {
        if (!word.isEmpty()) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (!space) {
        addRawChar(ch);
      }
    }

    void addRawChar(int ch) {
      word.appendCodePoint(ch);
      inWord = true;
    }

    void addString(String s) {
      s.codePoints().forEach(this::addChar);
    }

    void addRawString(String s) {
      word.append(s);
      inWord = true;
    }

    List<String> get() {
      if (!word.isEmpty()) {
        words.add(word.toString());
        word.setLength(0);
        inWord = false;
      }
      return words;
    }
  }

  private int peek() {
    return pos < cps.length ? cps[pos] : -1;
  }

  private int next() {
    return pos < cps.length ? cps[pos++] : -1;
  }

  private Result processStopOn(int stop, boolean rawEscapes) {
    return processStopOnAny(stop, -1, rawEscapes);
  }

  private Result processStopOnAny(int stop1, int stop2, boolean rawEscapes) {
    StringBuilder result = new StringBuilder();
    Words words = new Words();
    while (peek() != -1) {
      int ch = peek();
      if (stop1 != -1 && (ch == stop1 || ch == stop2)) {
        next();
        return new Result(result.toString(), words.get());
      }
      if (ch == '$') {
        String tmp = processDollar();
        result.append(tmp);
        words.addString(tmp);
      } else if (ch == '\'') {
        String tmp = processSingleQuote();
        result.append(tmp);
        words.addRawString(tmp);
      } else if (ch == '"') {
        String tmp = processDoubleQuote();
        result.append(tmp);
        words.addRawString(tmp);
      } else {
        ch = next();
        if (ch == options.escape()) {
          if (options.rawEscapes() || rawEscapes) {
            words.addRawChar(ch);
            result.appendCodePoint(ch);
          }
          ch = next();
          if (ch == -1) {
            break;
          }
          words.addRawChar(ch);
        } else {
          words.addChar(ch);
        }
        result.appendCodePoint(ch);
      }
    }
    if (stop1 != -1) {
      throw new ExpansionException(
          "unexpected end of statement while looking for matching " + Character.toString(stop1));
    }
    return new Result(result.toString(), words.get());
  }

  private String processSingleQuote() {
    StringBuilder result = new StringBuilder();
    int ch = next();
    if (rawQuotes) {
      result.appendCodePoint(ch);
    }
    while (true) {
      ch = next();
      if (ch == -1) {
        throw new ExpansionException("unexpected end of statement while looking for matching single-quote");
      }
      if (ch == '\'') {
        if (rawQuotes) {
          result.appendCodePoint(ch);
        }
        return result.toString();
      }
      result.appendCodePoint(ch);
    }
  }

  private String processDoubleQuote() {
    StringBuilder result = new StringBuilder();
    int ch = next();
    if (rawQuotes) {
      result.appendCodePoint(ch);
    }
    while (true) {
      int p = peek();
      if (p == -1) {
        throw new ExpansionException("unexpected end of statement while looking for matching double-quote");
      }
      if (p == '"') {
        ch = next();
        if (rawQuotes) {
          result.appendCodePoint(ch);
        }
        return result.toString();
      }
      if (p == '$') {
        result.append(processDollar());
        continue;
      }
      ch = next();
      if (ch == options.escape()) {
        if (options.rawEscapes()) {
          result.appendCodePoint(ch);
        }
        int q = peek();
        if (q == -1) {
          continue; // a trailing escape is dropped; the loop then reports the open quote
        }
        if (q == '"' || q == '$' || q == options.escape()) {
          ch = next();
        }
      }
      result.appendCodePoint(ch);
    }
  }

  private String lookup(String name, boolean[] set) {
    String v = env.get(name);
    set[0] = v != null;
    (v != null ? matched : unmatched).add(name);
    return v == null ? "" : v;
  }

  private String processDollar() {
    next();
    if (peek() != '{') {
      String name = processName();
      if (name.isEmpty()) {
        return "$";
      }
      boolean[] set = new boolean[1];
      String value = lookup(name, set);
      if (!set[0] && options.skipUnsetEnv()) {
        return "$" + name;
      }
      return value;
    }
    if (++depth > MAX_NESTING) {
      throw new ExpansionException("variable references nested deeper than " + MAX_NESTING + " levels");
    }
    try {
      return processBraced();
    } finally {
      depth--;
    }
  }

  private String processBraced() {
    next();
    int p = peek();
    if (p == -1) {
      throw new ExpansionException("syntax error: missing '}'");
    }
    if (p == '{' || p == '}' || p == ':') {
      throw new ExpansionException("syntax error: bad substitution");
    }
    String name = processName();
    int ch = next();
    String chs = ch == -1 ? "" : Character.toString(ch);
    boolean nullIsUnset = false;
    boolean[] set = new boolean[1];
    switch (ch) {
      case '}' -> {
        String value = lookup(name, set);
        if (!set[0] && options.skipUnsetEnv()) {
          return "${" + name + "}";
        }
        return value;
      }
      case ':', '+', '-', '?', '#', '%' -> {
        if (ch == ':') {
          nullIsUnset = true;
          ch = next();
          chs += ch == -1 ? "" : Character.toString(ch);
        }
        boolean patternOp = ch == '#' || ch == '%';
        if (nullIsUnset && patternOp) {
          throw new ExpansionException("unsupported modifier (" + chs + ") in substitution");
        }
        String word = wordUntilBrace(patternOp);
        String value = lookup(name, set);
        if (options.skipUnsetEnv() && !set[0]) {
          return "${" + name + chs + word + "}";
        }
        boolean empty = !set[0] || (nullIsUnset && value.isEmpty());
        switch (ch) {
          case '-' -> {
            return empty ? word : value;
          }
          case '+' -> {
            return empty ? "" : word;
          }
          case '?' -> {
            if (!set[0]) {
              throw new ExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
            }
            if (nullIsUnset && value.isEmpty()) {
              throw new ExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
            }
            return value;
          }
          case '#', '%' -> {
            boolean greedy = !word.isEmpty() && word.codePointAt(0) == ch;
            String pattern = greedy ? word.substring(1) : word;
            return ch == '#' ? trimPrefix(pattern, value, greedy) : trimSuffix(pattern, value, greedy);
          }
          default -> throw new ExpansionException("unsupported modifier (" + chs + ") in substitution");
        }
      }
      case '/' -> {
        boolean all = peek() == '/';
        if (all) {
          next();
        }
        Result pat;
        try {
          pat = processStopOn('/', true);
        } catch (ExpansionException e) {
          if (peek() == -1) {
            throw new ExpansionException("syntax error: missing '/' in ${}");
          }
          throw e;
        }
        String replacement = wordUntilBrace(true);
        String value = lookup(name, set);
        if (options.skipUnsetEnv() && !set[0]) {
          return "${" + name + "/" + pat.word + "/" + replacement + "}";
        }
        Matcher m = shellPattern(pat.word, true, false).matcher(value);
        String quoted = Matcher.quoteReplacement(replacement);
        return all ? m.replaceAll(quoted) : m.replaceFirst(quoted);
      }
      default -> throw new ExpansionException("unsupported modifier (" + chs + ") in substitution");
    }
  }

  private String wordUntilBrace(boolean rawEscapes) {
    try {
      return processStopOn('}', rawEscapes).word;
    } catch (ExpansionException e) {
      if (peek() == -1) {
        throw new ExpansionException("syntax error: missing '}'");
      }
      throw e;
    }
  }

  private String processName() {
    StringBuilder name = new StringBuilder();
    while (peek() != -1) {
      int ch = peek();
      if (name.isEmpty() && Character.isDigit(ch)) {
        while (peek() != -1 && Character.isDigit(peek())) {
          name.appendCodePoint(next());
        }
        return name.toString();
      }
      if (name.isEmpty() && isSpecialParam(ch)) {
        return Character.toString(next());
      }
      if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
        break;
      }
      name.appendCodePoint(next());
    }
    return name.toString();
  }

  private static boolean isSpecialParam(int ch) {
    return switch (ch) {
      case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
      default -> false;
    };
  }

  private static String trimPrefix(String pattern, String value, boolean greedy) {
    Matcher m = shellPattern(pattern, greedy, true).matcher(value);
    return m.find() ? value.substring(m.end()) : value;
  }

  // Regular expressions find leftmost matches, so the shortest or longest suffix is found by
  // reversing both the value and the pattern (escapes kept in front of what they escape).
  private static String trimSuffix(String pattern, String value, boolean greedy) {
    return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
  }

  private static String reverse(String s) {
    return new StringBuilder(s).reverse().toString();
  }

  private static String reversePattern(String pattern) {
    List<String> units = new ArrayList<>();
    int[] p = pattern.codePoints().toArray();
    for (int i = 0; i < p.length; i++) {
      int close = p[i] == '[' ? closingBracket(p, i) : -1;
      if (close > 0) {
        units.add(new String(p, i, close - i + 1)); // a bracket expression stays one unit
        i = close;
      } else if (p[i] == '\\' && i + 1 < p.length) {
        units.add("\\" + Character.toString(p[++i]));
      } else {
        units.add(Character.toString(p[i]));
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = units.size() - 1; i >= 0; i--) {
      out.append(units.get(i));
    }
    return out.toString();
  }

  private static int closingBracket(int[] p, int open) {
    for (int j = open + 2; j < p.length; j++) {
      if (p[j] == ']') {
        return j;
      }
    }
    return -1;
  }

  /** Converts a shell glob (*, ?, [...], \x) to a regular expression. */
  static Pattern shellPattern(String pattern, boolean greedy, boolean anchored) {
    StringBuilder re = new StringBuilder(anchored ? "^" : "");
    int[] p = pattern.codePoints().toArray();
    for (int i = 0; i < p.length; i++) {
      int c = p[i];
      switch (c) {
        case '*' -> re.append(greedy ? "(?s:.*)" : "(?s:.*?)");
        case '?' -> re.append("(?s:.)");
        case '\\' -> {
          if (i + 1 < p.length) {
            re.append(Pattern.quote(Character.toString(p[++i])));
          }
        }
        case '[' -> {
          int close = closingBracket(p, i);
          if (close < 0) {
            re.append("\\[");
            break;
          }
          re.append('[');
          int j = i + 1;
          if (p[j] == '!' || p[j] == '^') {
            re.append('^');
            j++;
          }
          for (; j < close; j++) {
            int d = p[j];
            if (d == '\\' || d == '[' || d == '&' || d == '^') {
              re.append('\\');
            }
            re.appendCodePoint(d);
          }
          re.append(']');
          i = close;
        }
        default -> re.append(Pattern.quote(Character.toString(c)));
      }
    }
    try {
      return Pattern.compile(re.toString());
    } catch (PatternSyntaxException e) {
      throw new ExpansionException("invalid pattern (" + pattern + ") in substitution");
    }
  }
}
