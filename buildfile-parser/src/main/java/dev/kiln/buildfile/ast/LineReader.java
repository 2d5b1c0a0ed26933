package dev.kiln.buildfile.ast;

import dev.kiln.buildfile.BuildfileException;
import dev.kiln.buildfile.ExpansionException;
import dev.kiln.buildfile.ShellWords;
import dev.kiln.buildfile.SourceRange;
import dev.kiln.buildfile.Warning;
import dev.kiln.buildfile.internal.GoText;
import dev.kiln.buildfile.internal.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns buildfile text into {@link Node}s exactly as BuildKit's {@code parser.Parse} does: parser
 * directives, comments, line continuations (comment and empty lines inside them skipped), the
 * per-keyword argument splitting, JSON versus shell form, and here-documents.
 *
 * <p>One pass over the text; every step is linear in the length of what it reads (no regular
 * expressions on unbounded input). Not thread-safe; {@link #read} makes a fresh reader per call.
 *
 * @see <a
 *     href="https://github.com/moby/buildkit/blob/v0.23.0/frontend/dockerfile/parser/parser.go">BuildKit
 *     parser.go (v0.23.0)</a>
 */
public final class LineReader {
  /** Go's {@code bufio.Scanner} refuses longer lines; BuildKit inherits the limit. */
  public static final int MAX_LINE_BYTES = 64 * 1024;

  private static final Set<String> DIRECTIVES = Set.of("syntax", "escape", "check");
  private static final Set<String> HEREDOC_COMMANDS = Set.of("run", "copy", "add");

  private final String file;
  private final String text;
  private int next; // offset of the next physical line in text
  private int lineNo; // physical lines consumed
  private char escape = '\\';
  private boolean directivesDone;
  private final Set<String> seenDirectives = new HashSet<>();
  private final List<Directive> directives = new ArrayList<>();
  private final List<Warning> warnings = new ArrayList<>();
  private String lastLine = "";

  private LineReader(String file, String text) {
    this.file = file;
    this.text = text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /**
   * Reads a whole buildfile.
   *
   * @param file the name to report in positions
   * @param text the buildfile's text
   * @throws BuildfileException on a malformed directive, argument list or here-document, or a file
   *     with no instructions
   */
  public static SyntaxTree read(String file, String text) {
    return new LineReader(file, text).readAll();
  }

  /** Position of offsets in a logical line: the physical line and column each piece came from. */
  private static final class LineMap {
    private int[] offsets = new int[4];
    private int[] lines = new int[4];
    private int[] columns = new int[4];
    private int size;

    void add(int offset, int line, int column) {
      if (size == offsets.length) {
        offsets = java.util.Arrays.copyOf(offsets, size * 2);
        lines = java.util.Arrays.copyOf(lines, size * 2);
        columns = java.util.Arrays.copyOf(columns, size * 2);
      }
      offsets[size] = offset;
      lines[size] = line;
      columns[size] = column;
      size++;
    }

    SourceRange at(String file, int offset) {
      int lo = 0;
      int hi = size - 1;
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        if (offsets[mid] <= offset) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      return SourceRange.at(file, lines[lo], columns[lo] + offset - offsets[lo]);
    }
  }

  private boolean hasLine() {
    return next < text.length();
  }

  /** The next physical line including its newline. */
  private String rawLine() {
    int nl = text.indexOf('\n', next);
    int end = nl < 0 ? text.length() : nl + 1;
    String raw = text.substring(next, end);
    next = end;
    if (utf8Length(raw) > MAX_LINE_BYTES) {
      throw new BuildfileException(
          SourceRange.at(file, lineNo + 1, 1),
          "line longer than the " + (MAX_LINE_BYTES - 1) + " bytes BuildKit allows; split it with line continuations");
    }
    return raw;
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  private static String trimNewline(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
      end--;
    }
    return s.substring(0, end);
  }

  private static boolean isComment(String trimmedLeft) {
    return !trimmedLeft.isEmpty() && trimmedLeft.charAt(0) == '#';
  }

  private SyntaxTree readAll() {
    List<Node> nodes = new ArrayList<>();
    List<String> comments = new ArrayList<>();
    while (hasLine()) {
      String raw = rawLine();
      String token = trimNewline(raw);
      int lead = GoText.skipSpace(token, 0);
      token = token.substring(lead);
      if (isComment(token)) {
        String comment = GoText.trimSpace(token.substring(1));
        if (comment.isEmpty()) {
          comments.clear();
        } else {
          comments.add(comment);
        }
      }
      possibleDirective(token, lineNo + 1);
      String body = isComment(token) ? "" : token;
      lineNo++;
      int startLine = lineNo;
      int startColumn = lead + 1;
      lastLine = trimNewline(raw);

      StringBuilder line = new StringBuilder();
      LineMap map = new LineMap();
      boolean endOfLine = appendTrimmed(body, line, map, startLine, startColumn);
      if (endOfLine && line.isEmpty()) {
        continue;
      }
      int emptyContinuation = 0;
      while (!endOfLine && hasLine()) {
        String cont = trimNewline(rawLine());
        possibleDirective(cont, lineNo + 1);
        lineNo++;
        lastLine = cont;
        String left = GoText.trimLeft(cont);
        if (isComment(left)) {
          continue;
        }
        if (left.isEmpty()) {
          if (emptyContinuation == 0) {
            emptyContinuation = lineNo;
          }
          continue;
        }
        endOfLine = appendTrimmed(cont, line, map, lineNo, 1);
      }
      String logical = line.toString();
      if (emptyContinuation > 0) {
        warnings.add(
            new Warning(
                "NoEmptyContinuation",
                "Empty continuation line (empty continuation lines will become errors in a future release)",
                SourceRange.at(file, emptyContinuation, 1)));
      }
      SourceRange range = new SourceRange(file, startLine, startColumn, lineNo, Math.max(1, lastLine.length()));
      Node node;
      try {
        node = nodeFromLine(logical, 0, map, List.copyOf(comments), range);
      } catch (LineError e) {
        throw new BuildfileException(range, e.getMessage(), logical);
      }
      if (canContainHeredoc(node) && logical.contains("<<")) {
        node = readHeredocs(node, logical, startLine, startColumn);
      }
      nodes.add(node);
      comments.clear();
    }
    if (nodes.isEmpty()) {
      throw new BuildfileException(
          SourceRange.at(file, Math.max(1, lineNo), 1),
          "file with no instructions: a buildfile needs at least a FROM");
    }
    return new SyntaxTree(file, nodes, directives, escape, warnings);
  }

  /**
   * Removes a trailing line-continuation escape (BuildKit's {@code ([^E])E[ \t]*$|^E[ \t]*$}) and
   * appends the rest; returns whether the logical line ends here.
   */
  private boolean appendTrimmed(String s, StringBuilder line, LineMap map, int lineNumber, int column) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    boolean continues = end > 0 && s.charAt(end - 1) == escape && (end == 1 || s.charAt(end - 2) != escape);
    String piece = continues ? s.substring(0, end - 1) : s;
    map.add(line.length(), lineNumber, column);
    line.append(piece);
    return !continues;
  }

  private void possibleDirective(String token, int lineNumber) {
    if (directivesDone) {
      return;
    }
    String[] kv = matchDirective(token);
    if (kv == null || !DIRECTIVES.contains(kv[0])) {
      directivesDone = true;
      return;
    }
    SourceRange at = SourceRange.at(file, lineNumber, 1);
    if (!seenDirectives.add(kv[0])) {
      throw new BuildfileException(at, "only one " + kv[0] + " parser directive can be used", token);
    }
    if (kv[0].equals("escape")) {
      if (!kv[1].equals("\\") && !kv[1].equals("`")) {
        throw new BuildfileException(
            at, "invalid escape token '" + kv[1] + "' does not match ` or \\", token);
      }
      escape = kv[1].charAt(0);
    }
    directives.add(new Directive(kv[0], kv[1], at));
  }

  private static boolean isRegexSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  }

  /** BuildKit's {@code ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$}, name lower-cased. */
  static String[] matchDirective(String s) {
    if (s.isEmpty() || s.charAt(0) != '#') {
      return null;
    }
    int i = 1;
    while (i < s.length() && isRegexSpace(s.charAt(i))) {
      i++;
    }
    int nameStart = i;
    if (i >= s.length() || !isAsciiLetter(s.charAt(i))) {
      return null;
    }
    while (i < s.length() && (isAsciiLetter(s.charAt(i)) || (s.charAt(i) >= '0' && s.charAt(i) <= '9'))) {
      i++;
    }
    String name = s.substring(nameStart, i).toLowerCase(java.util.Locale.ROOT);
    while (i < s.length() && isRegexSpace(s.charAt(i))) {
      i++;
    }
    if (i >= s.length() || s.charAt(i) != '=') {
      return null;
    }
    i++;
    int afterEquals = i;
    while (i < s.length() && isRegexSpace(s.charAt(i))) {
      i++;
    }
    int end = s.length();
    while (end > i && isRegexSpace(s.charAt(end - 1))) {
      end--;
    }
    if (end > i) {
      return new String[] {name, s.substring(i, end)};
    }
    if (s.length() > afterEquals) {
      // only whitespace after '=': the lazy group still takes one character, the last one
      return new String[] {name, s.substring(s.length() - 1)};
    }
    return null;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** A problem in one logical line; positioned by the caller. */
  private static final class LineError extends Exception {
    private static final long serialVersionUID = 1L;

    LineError(String message) {
      super(message, null, false, false);
    }
  }

  private Node nodeFromLine(String line, int base, LineMap map, List<String> comments, SourceRange range)
      throws LineError {
    int start = GoText.skipSpace(line, 0);
    int end = GoText.trimRightEnd(line);
    String trimmed = start >= end ? "" : line.substring(start, end);
    int k = 0;
    while (k < trimmed.length() && !GoText.isTokenSpace(trimmed.charAt(k))) {
      k++;
    }
    String keyword = trimmed.substring(0, k);
    List<String> flags = new ArrayList<>();
    List<SourceRange> flagRanges = new ArrayList<>();
    String rest = "";
    int restOffset = base + start + k;
    if (k < trimmed.length()) {
      int j = k;
      while (j < trimmed.length() && GoText.isTokenSpace(trimmed.charAt(j))) {
        j++;
      }
      restOffset = base + start + j;
      String afterKeyword = trimmed.substring(j);
      int[] argsAt = new int[1];
      List<Integer> offsets = new ArrayList<>();
      String argsText = extractFlags(afterKeyword, flags, offsets, argsAt);
      for (int off : offsets) {
        flagRanges.add(map.at(file, restOffset + off));
      }
      int lead = GoText.skipSpace(argsText, 0);
      restOffset += argsAt[0] + lead;
      rest = GoText.trimSpace(argsText);
    }
    String command = keyword.toLowerCase(java.util.Locale.ROOT);
    List<String> args = new ArrayList<>();
    List<Node> children = new ArrayList<>();
    boolean json = false;
    switch (command) {
      case "add", "copy", "volume" -> json = maybeJsonToList(rest, args);
      case "cmd", "entrypoint", "run", "shell" -> json = maybeJson(rest, args);
      case "arg" -> args.addAll(words(rest));
      case "env" -> nameVal(rest, "ENV", args);
      case "label" -> nameVal(rest, "LABEL", args);
      case "expose", "from" -> whitespaceDelimited(rest, args);
      case "healthcheck" -> json = healthConfig(rest, args);
      case "maintainer", "stopsignal", "user", "workdir" -> {
        if (!rest.isEmpty()) {
          args.add(rest);
        }
      }
      case "onbuild" -> {
        if (!rest.isEmpty()) {
          children.add(nodeFromLine(rest, restOffset, map, List.of(), range));
        }
      }
      default -> args.add(""); // BuildKit keeps unknown instructions with one empty argument
    }
    return new Node(keyword, flags, flagRanges, args, children, json, List.of(), line, comments, range);
  }

  /**
   * BuildKit's {@code extractBuilderFlags}. It walks the UTF-8 bytes one at a time and turns each
   * into a rune, so non-ASCII bytes in flags come out as Latin-1 characters; kiln does the same.
   */
  private static String extractFlags(String line, List<String> flags, List<Integer> charOffsets, int[] argsAt) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    boolean ascii = b.length == line.length();
    final int inSpaces = 0;
    final int inWord = 1;
    final int inQuote = 2;
    int phase = inSpaces;
    StringBuilder word = new StringBuilder();
    int wordStart = 0;
    char quote = 0;
    boolean blankOk = false;
    char ch = 0;
    for (int pos = 0; pos <= b.length; pos++) {
      if (pos != b.length) {
        ch = (char) (b[pos] & 0xFF);
      }
      if (phase == inSpaces) {
        if (pos == b.length) {
          break;
        }
        if (GoText.isSpace(ch)) {
          continue;
        }
        if (ch != '-' || pos + 1 == b.length || b[pos + 1] != '-') {
          return rest(b, pos, ascii, line, argsAt);
        }
        phase = inWord;
        wordStart = pos;
      }
      if ((phase == inWord || phase == inQuote) && pos == b.length) {
        if (!word.toString().equals("--") && (blankOk || !word.isEmpty())) {
          flags.add(word.toString());
          charOffsets.add(charOffset(b, wordStart, ascii));
        }
        break;
      }
      if (phase == inWord) {
        if (GoText.isSpace(ch)) {
          phase = inSpaces;
          if (word.toString().equals("--")) {
            return rest(b, pos, ascii, line, argsAt);
          }
          if (blankOk || !word.isEmpty()) {
            flags.add(word.toString());
            charOffsets.add(charOffset(b, wordStart, ascii));
          }
          word.setLength(0);
          blankOk = false;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
          phase = inQuote;
          continue;
        }
        if (ch == '\\') {
          if (pos + 1 == b.length) {
            continue;
          }
          pos++;
          ch = (char) (b[pos] & 0xFF);
        }
        word.append(ch);
        continue;
      }
      if (ch == quote) {
        phase = inWord;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == b.length) {
          phase = inWord;
          continue;
        }
        pos++;
        ch = (char) (b[pos] & 0xFF);
      }
      word.append(ch);
    }
    argsAt[0] = line.length();
    return "";
  }

  private static String rest(byte[] b, int pos, boolean ascii, String line, int[] argsAt) {
    argsAt[0] = charOffset(b, pos, ascii);
    return ascii ? line.substring(pos) : new String(b, pos, b.length - pos, StandardCharsets.UTF_8);
  }

  private static int charOffset(byte[] b, int byteOffset, boolean ascii) {
    return ascii ? byteOffset : new String(b, 0, byteOffset, StandardCharsets.UTF_8).length();
  }

  /** BuildKit's {@code parseJSON}; empty when the text is not a JSON array. */
  private static Optional<List<String>> json(String rest) throws LineError {
    String t = GoText.trimLeft(rest);
    if (!t.startsWith("[")) {
      return Optional.empty();
    }
    try {
      return JsonArray.parse(t);
    } catch (JsonArray.NotStringArrayException e) {
      throw new LineError(e.getMessage());
    }
  }

  private static boolean maybeJson(String rest, List<String> args) throws LineError {
    if (rest.isEmpty()) {
      return false;
    }
    Optional<List<String>> parsed = json(rest);
    if (parsed.isPresent()) {
      args.addAll(parsed.get());
      return true;
    }
    args.add(rest);
    return false;
  }

  private static boolean maybeJsonToList(String rest, List<String> args) throws LineError {
    Optional<List<String>> parsed = json(rest);
    if (parsed.isPresent()) {
      args.addAll(parsed.get());
      return true;
    }
    whitespaceDelimited(rest, args);
    return false;
  }

  private static void whitespaceDelimited(String rest, List<String> args) {
    if (rest.isEmpty()) {
      return;
    }
    int i = 0;
    int start = 0;
    while (i < rest.length()) {
      if (GoText.isTokenSpace(rest.charAt(i))) {
        args.add(rest.substring(start, i));
        while (i < rest.length() && GoText.isTokenSpace(rest.charAt(i))) {
          i++;
        }
        start = i;
      } else {
        i++;
      }
    }
    args.add(rest.substring(start));
  }

  /** BuildKit's HEALTHCHECK splitter, byte-wise like the original. */
  private static boolean healthConfig(String rest, List<String> args) throws LineError {
    byte[] b = rest.getBytes(StandardCharsets.UTF_8);
    int sep = 0;
    while (sep < b.length && !GoText.isSpace(b[sep] & 0xFF)) {
      sep++;
    }
    int nx = sep;
    while (nx < b.length && GoText.isSpace(b[nx] & 0xFF)) {
      nx++;
    }
    if (sep == 0) {
      return false;
    }
    args.add(new String(b, 0, sep, StandardCharsets.UTF_8));
    return maybeJson(new String(b, nx, b.length - nx, StandardCharsets.UTF_8), args);
  }

  /**
   * BuildKit's {@code parseWords}: words with quotes and escapes kept. It looks like {@link
   * #extractFlags} but is deliberately separate, as in BuildKit: it walks runes rather than bytes,
   * keeps quotes and escapes, and honours the escape directive instead of a fixed {@code \}.
   */
  private List<String> words(String rest) {
    List<String> out = new ArrayList<>();
    final int inSpaces = 0;
    final int inWord = 1;
    final int inQuote = 2;
    int phase = inSpaces;
    StringBuilder word = new StringBuilder();
    int quote = 0;
    boolean blankOk = false;
    int pos = 0;
    int ch = 0;
    int width = 0;
    for (; pos <= rest.length(); pos += width) {
      if (pos != rest.length()) {
        ch = rest.codePointAt(pos);
        width = Character.charCount(ch);
      }
      if (phase == inSpaces) {
        if (pos == rest.length()) {
          break;
        }
        if (GoText.isSpace(ch)) {
          continue;
        }
        phase = inWord;
      }
      if ((phase == inWord || phase == inQuote) && pos == rest.length()) {
        if (blankOk || !word.isEmpty()) {
          out.add(word.toString());
        }
        break;
      }
      if (phase == inWord) {
        if (GoText.isSpace(ch)) {
          phase = inSpaces;
          if (blankOk || !word.isEmpty()) {
            out.add(word.toString());
          }
          word.setLength(0);
          blankOk = false;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
          phase = inQuote;
        }
        if (ch == escape) {
          if (pos + width == rest.length()) {
            continue;
          }
          word.appendCodePoint(ch);
          pos += width;
          ch = rest.codePointAt(pos);
          width = Character.charCount(ch);
        }
        word.appendCodePoint(ch);
        continue;
      }
      if (ch == quote) {
        phase = inWord;
      }
      if (ch == escape && quote != '\'') {
        if (pos + width == rest.length()) {
          phase = inWord;
          continue;
        }
        pos += width;
        word.appendCodePoint(ch);
        ch = rest.codePointAt(pos);
        width = Character.charCount(ch);
      }
      word.appendCodePoint(ch);
    }
    return out;
  }

  /** BuildKit's {@code parseNameVal}: {@code K V} (legacy) or {@code K=V ...}. */
  private void nameVal(String rest, String key, List<String> args) throws LineError {
    List<String> words = words(rest);
    if (words.isEmpty()) {
      return;
    }
    if (!words.get(0).contains("=")) {
      int i = 0;
      while (i < rest.length() && !GoText.isTokenSpace(rest.charAt(i))) {
        i++;
      }
      if (i == rest.length()) {
        throw new LineError(key + " must have two arguments: " + key + " NAME=VALUE (or the legacy " + key + " NAME VALUE)");
      }
      int j = i;
      while (j < rest.length() && GoText.isTokenSpace(rest.charAt(j))) {
        j++;
      }
      args.add(rest.substring(0, i));
      args.add(rest.substring(j));
      args.add("");
      return;
    }
    for (String word : words) {
      int eq = word.indexOf('=');
      if (eq < 0) {
        throw new LineError(
            "Syntax error - can't find = in " + GoText.quote(word) + ". Must be of the form: name=value");
      }
      args.add(word.substring(0, eq));
      args.add(word.substring(eq + 1));
      args.add("=");
    }
  }

  private static boolean canContainHeredoc(Node node) {
    Node n = node;
    if (n.command().equals("onbuild") && !n.children().isEmpty()) {
      n = n.children().get(0);
    }
    return HEREDOC_COMMANDS.contains(n.command()) && !n.json();
  }

  private static final ShellWords.Options RAW = new ShellWords.Options('\\', true, true, true);
  private static final ShellWords.Options COOKED = new ShellWords.Options('\\', false, false, true);
  private static final ShellWords.Options QUOTED = new ShellWords.Options('\\', true, false, true);

  /**
   * Parses {@code word} as a heredoc marker ({@code [digits]<<[-]NAME}); empty when it is not
   * one. Public because COPY and ADD tell heredoc sources from paths with it.
   */
  public static Optional<Heredoc> heredocMarker(String word) {
    int i = 0;
    while (i < word.length() && word.charAt(i) >= '0' && word.charAt(i) <= '9') {
      i++;
    }
    if (!word.startsWith("<<", i)) {
      return Optional.empty();
    }
    String digits = word.substring(0, i);
    i += 2;
    boolean chomp = i < word.length() && word.charAt(i) == '-';
    if (chomp) {
      i++;
    }
    String rest = word.substring(i);
    if (rest.isEmpty() || rest.indexOf('<') >= 0) {
      return Optional.empty();
    }
    List<String> cooked;
    List<String> raw;
    try {
      cooked = ShellWords.process(rest, Map.of(), COOKED).words();
      if (cooked.size() != 1) {
        return Optional.empty();
      }
      raw = ShellWords.process(rest, Map.of(), QUOTED).words();
    } catch (ExpansionException e) {
      return Optional.empty();
    }
    if (raw.size() != 1) {
      return Optional.empty();
    }
    int fd = 0;
    if (!digits.isEmpty()) {
      try {
        fd = Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        fd = 0; // Go ignores the overflow error and keeps 0
      }
    }
    boolean expand = quoteCount(cooked.get(0)) == quoteCount(raw.get(0));
    return Optional.of(new Heredoc(cooked.get(0), fd, expand, chomp, ""));
  }

  private static int quoteCount(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\'' || s.charAt(i) == '"') {
        n++;
      }
    }
    return n;
  }

  private Node readHeredocs(Node node, String logical, int startLine, int startColumn) {
    List<String> words;
    try {
      words = ShellWords.process(logical, Map.of(), RAW).words();
    } catch (ExpansionException e) {
      words = List.of(); // as BuildKit: a line that does not lex has no heredocs
    }
    List<Heredoc> docs = new ArrayList<>();
    for (String word : words) {
      Optional<Heredoc> marker = heredocMarker(word);
      if (marker.isEmpty()) {
        continue;
      }
      Heredoc doc = marker.get();
      StringBuilder content = new StringBuilder();
      boolean terminated = false;
      while (hasLine()) {
        String raw = rawLine();
        lineNo++;
        String candidate = trimNewline(raw);
        if (doc.chomp()) {
          int t = 0;
          while (t < candidate.length() && candidate.charAt(t) == '\t') {
            t++;
          }
          candidate = candidate.substring(t);
        }
        if (candidate.equals(doc.name())) {
          terminated = true;
          lastLine = trimNewline(raw);
          break;
        }
        content.append(raw);
      }
      if (!terminated) {
        throw new BuildfileException(
            new SourceRange(file, startLine, startColumn, Math.max(startLine, lineNo), 1),
            "unterminated heredoc: no line reads " + doc.name() + " after the " + node.keyword() + " on line " + startLine,
            logical);
      }
      docs.add(doc.withContent(content.toString()));
    }
    SourceRange range = new SourceRange(file, startLine, startColumn, lineNo, Math.max(1, lastLine.length()));
    return node.withHeredocs(docs, range);
  }
}
