package dev.kiln.buildfile.internal;

/**
 * Text primitives that behave like the Go standard library functions BuildKit's parser is written
 * with ({@code unicode.IsSpace}, {@code strings.TrimSpace}, {@code strconv.Quote}). Kiln must split
 * and trim exactly where BuildKit does, so these are not the JDK's notions of whitespace.
 */
public final class GoText {
  private GoText() {}

  /** Go's {@code unicode.IsSpace}: the Unicode White_Space property. */
  public static boolean isSpace(int cp) {
    return switch (cp) {
      case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
          0x3000 ->
          true;
      default -> cp >= 0x2000 && cp <= 0x200A;
    };
  }

  /** The characters of BuildKit's {@code [\t\v\f\r ]} token separator. */
  public static boolean isTokenSpace(char c) {
    return c == '\t' || c == 0x0B || c == '\f' || c == '\r' || c == ' ';
  }

  /** Index of the first code point that is not {@link #isSpace}, or {@code s.length()}. */
  public static int skipSpace(String s, int from) {
    int i = from;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (!isSpace(cp)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  /** Go's {@code strings.TrimLeftFunc(s, unicode.IsSpace)}. */
  public static String trimLeft(String s) {
    return s.substring(skipSpace(s, 0));
  }

  /** End index after dropping trailing {@link #isSpace} code points. */
  public static int trimRightEnd(String s) {
    int end = s.length();
    while (end > 0) {
      int cp = s.codePointBefore(end);
      if (!isSpace(cp)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return end;
  }

  /** Go's {@code strings.TrimSpace}. */
  public static String trimSpace(String s) {
    int start = skipSpace(s, 0);
    int end = trimRightEnd(s);
    return start >= end ? "" : s.substring(start, end);
  }

  /**
   * Decodes UTF-8 the way kiln keeps Go's byte semantics: every byte of an invalid sequence becomes
   * the lone surrogate {@code U+DC00+byte} ("surrogateescape"), so it can be quoted as {@code \xNN}
   * and encoded back unchanged by {@link #utf8}.
   */
  public static String decode(byte[] b, int off, int len) {
    java.nio.charset.CharsetDecoder d =
        java.nio.charset.StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(b, off, len);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(len + 1);
    while (true) {
      java.nio.charset.CoderResult r = d.decode(in, out, true);
      if (r.isUnderflow()) {
        d.flush(out);
        break;
      }
      if (r.isError()) {
        for (int i = 0; i < r.length(); i++) {
          out.put((char) (0xDC00 + (in.get() & 0xFF)));
        }
      }
    }
    out.flip();
    return out.toString();
  }

  /** Whether {@code s.charAt(i)} is an escaped invalid byte made by {@link #decode}. */
  public static boolean isEscapedByte(String s, int i) {
    char c = s.charAt(i);
    return c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
  }

  /** UTF-8 bytes of {@code s}, escaped invalid bytes written back as themselves. */
  public static byte[] utf8(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length() + 8);
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (isEscapedByte(s, i)) {
        out.writeBytes(s.substring(start, i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.write(s.charAt(i) - 0xDC00);
        start = i + 1;
      }
    }
    out.writeBytes(s.substring(start).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** Go's {@code strconv.Quote}: double quotes, Go escapes, non-printable runes escaped. */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2);
    out.append('"');
    for (int i = 0; i < s.length(); ) {
      if (isEscapedByte(s, i)) {
        out.append(String.format("\\x%02x", s.charAt(i) - 0xDC00)); // an invalid byte, as Go shows it
        i++;
        continue;
      }
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case 0x07 -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case 0x0B -> out.append("\\v");
        default -> {
          if (isPrint(cp)) {
            out.appendCodePoint(cp);
          } else if (cp < ' ' || cp == 0x7F) {
            out.append(String.format("\\x%02x", cp));
          } else if (Character.isSurrogate((char) cp)) {
            out.append('\uFFFD'); // Go holds no lone surrogates; decoding made them U+FFFD
          } else if (cp < 0x10000) {
            out.append(String.format("\\u%04x", cp));
          } else {
            out.append(String.format("\\U%08x", cp));
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** Go's {@code strconv.IsPrint}: letters, marks, numbers, punctuation, symbols and ASCII space. */
  public static boolean isPrint(int cp) {
    if (cp < 0x80) {
      return cp >= 0x20 && cp < 0x7F;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.UNASSIGNED,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.SPACE_SEPARATOR,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR ->
          false;
      default -> true;
    };
  }

  /** Levenshtein distance, for "did you mean" hints. */
  public static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * The closest candidate to {@code word} (case-insensitive) if it is close enough to be a likely
   * typo, as BuildKit's {@code suggest} package decides: distance at most 2, or a third of the word.
   */
  public static java.util.Optional<String> suggest(String word, Iterable<String> candidates) {
    String w = word.toLowerCase(java.util.Locale.ROOT);
    if (w.length() > 64) {
      return java.util.Optional.empty(); // keeps the hint O(1) for hostile input
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(w, c.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    int limit = Math.max(2, w.length() / 3);
    return best != null && bestDistance > 0 && bestDistance <= limit
        ? java.util.Optional.of(best)
        : java.util.Optional.empty();
  }
}
