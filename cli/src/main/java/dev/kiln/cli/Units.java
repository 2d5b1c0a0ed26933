package dev.kiln.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Human-readable sizes, ages and aligned tables for command output. */
final class Units {
  private Units() {}

  /** Returns bytes in decimal units as Docker prints them: {@code 4.26MB}. */
  static String bytes(long n) {
    String[] units = {"B", "kB", "MB", "GB", "TB"};
    double v = n;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? n + "B" : String.format(Locale.ROOT, "%.3g%s", v, units[u]);
  }

  /** Returns how long ago an instant was: {@code 3 days ago}. */
  static String ago(Instant then, Instant now) {
    Duration d = Duration.between(then, now);
    if (d.isNegative() || d.toSeconds() < 60) {
      return "Less than a minute ago";
    }
    long[] sizes = {60, 3600, 86400, 7 * 86400L, 30 * 86400L, 365 * 86400L};
    String[] names = {"minute", "hour", "day", "week", "month", "year"};
    int i = sizes.length - 1;
    while (i > 0 && d.toSeconds() < sizes[i]) {
      i--;
    }
    long count = d.toSeconds() / sizes[i];
    return count + " " + names[i] + (count == 1 ? "" : "s") + " ago";
  }

  /** Formats rows as columns separated by three spaces; the first row is the header. */
  static String table(List<List<String>> rows) {
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        line.append(c == columns - 1 ? row.get(c) : String.format("%-" + (width[c] + 3) + "s", row.get(c)));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
