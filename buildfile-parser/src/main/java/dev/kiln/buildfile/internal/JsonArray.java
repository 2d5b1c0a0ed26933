package dev.kiln.buildfile.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the exec form of an instruction the way BuildKit does: one JSON value decoded with Go's
 * {@code json.Decoder} (trailing text after the value is ignored) into {@code []interface{}}.
 *
 * <p>A syntax error means "not JSON": the caller falls back to shell form. A well-formed array
 * holding anything but strings is an error of its own ({@link NotStringArrayException}). Iterative,
 * so nesting depth costs no stack; Go's own nesting cap (10000) is kept.
 */
public final class JsonArray {
  private static final int MAX_DEPTH = 10_000;

  /** A well-formed JSON array that holds something other than strings. */
  public static final class NotStringArrayException extends Exception {
    private static final long serialVersionUID = 1L;

    NotStringArrayException() {
      super("when using JSON array syntax, arrays must be comprised of strings only", null, false, false);
    }
  }

  private final String s;
  private int pos;

  private JsonArray(String s) {
    this.s = s;
  }

  /**
   * Decodes {@code text} (already left-trimmed, starting with {@code [}).
   *
   * @return the strings, or empty when the text is not well-formed JSON
   * @throws NotStringArrayException when the array is well-formed but holds a non-string
   */
  public static Optional<List<String>> parse(String text) throws NotStringArrayException {
    JsonArray p = new JsonArray(text);
    List<String> out = new ArrayList<>();
    boolean[] nonString = new boolean[1];
    if (!p.top(out, nonString)) {
      return Optional.empty();
    }
    if (nonString[0]) {
      throw new NotStringArrayException();
    }
    return Optional.of(out);
  }

  private void ws() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private boolean top(List<String> out, boolean[] nonString) {
    ws();
    if (pos >= s.length() || s.charAt(pos) != '[') {
      return false;
    }
    pos++;
    ws();
    if (pos < s.length() && s.charAt(pos) == ']') {
      return true;
    }
    while (true) {
      ws();
      if (pos >= s.length()) {
        return false;
      }
      if (s.charAt(pos) == '"') {
        StringBuilder sb = new StringBuilder();
        if (!string(sb)) {
          return false;
        }
        out.add(sb.toString());
      } else {
        nonString[0] = true;
        if (!skipValue()) {
          return false;
        }
      }
      ws();
      if (pos >= s.length()) {
        return false;
      }
      char c = s.charAt(pos++);
      if (c == ']') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  /** Validates one value of any kind without recursion; containers tracked in a stack of chars. */
  private boolean skipValue() {
    StringBuilder stack = new StringBuilder();
    while (true) {
      ws();
      if (pos >= s.length()) {
        return false;
      }
      char c = s.charAt(pos);
      boolean closedEmpty = false;
      if (c == '[' || c == '{') {
        if (stack.length() >= MAX_DEPTH) {
          return false;
        }
        stack.append(c);
        pos++;
        ws();
        if (pos < s.length() && s.charAt(pos) == (c == '[' ? ']' : '}')) {
          pos++;
          stack.setLength(stack.length() - 1);
          closedEmpty = true;
        } else if (c == '{') {
          if (!key()) {
            return false;
          }
          continue;
        } else {
          continue;
        }
      }
      if (!closedEmpty && !scalar()) {
        return false;
      }
      // after a complete value: close containers or continue with the next element
      while (true) {
        if (stack.isEmpty()) {
          return true;
        }
        ws();
        if (pos >= s.length()) {
          return false;
        }
        char open = stack.charAt(stack.length() - 1);
        char d = s.charAt(pos++);
        if (d == ',') {
          if (open == '{' && !key()) {
            return false;
          }
          break;
        }
        if (d == (open == '[' ? ']' : '}')) {
          stack.setLength(stack.length() - 1);
          continue;
        }
        return false;
      }
    }
  }

  private boolean key() {
    ws();
    if (pos >= s.length() || s.charAt(pos) != '"' || !string(null)) {
      return false;
    }
    ws();
    return pos < s.length() && s.charAt(pos++) == ':';
  }

  private boolean scalar() {
    char c = s.charAt(pos);
    if (c == '"') {
      return string(null);
    }
    if (s.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (s.startsWith("false", pos)) {
      pos += 5;
      return true;
    }
    if (s.startsWith("null", pos)) {
      pos += 4;
      return true;
    }
    return number();
  }

  private boolean number() {
    int start = pos;
    if (pos < s.length() && s.charAt(pos) == '-') {
      pos++;
    }
    if (pos >= s.length()) {
      return false;
    }
    if (s.charAt(pos) == '0') {
      pos++;
    } else if (digit(pos)) {
      while (digit(pos)) {
        pos++;
      }
    } else {
      return false;
    }
    if (pos < s.length() && s.charAt(pos) == '.') {
      pos++;
      if (!digit(pos)) {
        return false;
      }
      while (digit(pos)) {
        pos++;
      }
    }
    if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
      pos++;
      if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
        pos++;
      }
      if (!digit(pos)) {
        return false;
      }
      while (digit(pos)) {
        pos++;
      }
    }
    return pos > start;
  }

  private boolean digit(int i) {
    return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9';
  }

  /** Reads a string at {@code pos} (on the opening quote) into {@code out} (may be null). */
  private boolean string(StringBuilder out) {
    pos++;
    while (pos < s.length()) {
      char c = s.charAt(pos++);
      if (c == '"') {
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c != '\\') {
        if (out != null) {
          // Go's decoder turns invalid UTF-8 in strings into U+FFFD
          out.append(GoText.isEscapedByte(s, pos - 1) ? '\uFFFD' : c);
        }
        continue;
      }
      if (pos >= s.length()) {
        return false;
      }
      char e = s.charAt(pos++);
      int decoded;
      switch (e) {
        case '"', '\\', '/' -> decoded = e;
        case 'b' -> decoded = '\b';
        case 'f' -> decoded = '\f';
        case 'n' -> decoded = '\n';
        case 'r' -> decoded = '\r';
        case 't' -> decoded = '\t';
        case 'u' -> {
          int u = hex4(pos);
          if (u < 0) {
            return false;
          }
          pos += 4;
          if (Character.isHighSurrogate((char) u)
              && pos + 1 < s.length()
              && s.charAt(pos) == '\\'
              && s.charAt(pos + 1) == 'u') {
            int low = hex4(pos + 2);
            if (low >= 0 && Character.isLowSurrogate((char) low)) {
              pos += 6;
              if (out != null) {
                out.append((char) u).append((char) low);
              }
              continue;
            }
          }
          decoded = Character.isSurrogate((char) u) ? 0xFFFD : u;
        }
        default -> {
          return false;
        }
      }
      if (out != null) {
        out.append((char) decoded);
      }
    }
    return false;
  }

  private int hex4(int at) {
    if (at + 4 > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = at; i < at + 4; i++) {
      char c = s.charAt(i);
      int d =
          c >= '0' && c <= '9'
              ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }
}
