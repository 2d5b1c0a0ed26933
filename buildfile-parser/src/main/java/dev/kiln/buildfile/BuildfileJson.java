package dev.kiln.buildfile;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Collection;

/**
 * The JSON form of a parse for tools ({@code kiln buildfile parse --format=json}): every record
 * becomes an object of its components, instructions gain an {@code "instruction"} member with the
 * keyword, command forms a {@code "form"} member ({@code exec} or {@code shell}). Ranges are
 * {@code {"file", "startLine", …}} objects; durations ISO-8601 strings.
 */
public final class BuildfileJson {
  private BuildfileJson() {}

  /** Writes {@code value} (a record, list, string, number, boolean or duration) as JSON. */
  public static String of(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.append('\n').toString();
  }

  private static void indent(StringBuilder out, int depth) {
    out.append('\n');
    out.append("  ".repeat(depth));
  }

  private static void write(StringBuilder out, Object v, int depth) {
    switch (v) {
      case null -> out.append("null");
      case String s -> out.append(string(s));
      case Character c -> out.append(string(c.toString()));
      case Boolean b -> out.append(b);
      case Number n -> out.append(n);
      case Duration d -> out.append(string(d.toString()));
      case Collection<?> c -> {
        if (c.isEmpty()) {
          out.append("[]");
          return;
        }
        out.append('[');
        boolean first = true;
        for (Object e : c) {
          out.append(first ? "" : ",");
          first = false;
          indent(out, depth + 1);
          write(out, e, depth + 1);
        }
        indent(out, depth);
        out.append(']');
      }
      case Record r -> writeRecord(out, r, depth);
      default -> out.append(string(v.toString()));
    }
  }

  private static void writeRecord(StringBuilder out, Record r, int depth) {
    out.append('{');
    boolean first = true;
    if (r instanceof Instruction i) {
      indent(out, depth + 1);
      out.append("\"instruction\": ").append(string(i.keyword()));
      first = false;
    } else if (r instanceof CommandForm f) {
      indent(out, depth + 1);
      out.append("\"form\": ").append(string(f instanceof CommandForm.Exec ? "exec" : "shell"));
      first = false;
    }
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object value;
      try {
        value = c.getAccessor().invoke(r);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + c.getName(), e);
      }
      out.append(first ? "" : ",");
      first = false;
      indent(out, depth + 1);
      out.append(string(c.getName())).append(": ");
      write(out, value, depth + 1);
    }
    indent(out, depth);
    out.append('}');
  }

  private static boolean validPair(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c)
        ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** A JSON string literal. */
  static String string(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !validPair(s, i)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

}
