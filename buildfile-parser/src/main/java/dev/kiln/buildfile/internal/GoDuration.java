package dev.kiln.buildfile.internal;

import java.math.BigDecimal;
import java.time.Duration;

/** Go's {@code time.ParseDuration}: {@code 300ms}, {@code 1.5h}, {@code 2h45m}, {@code 0}. */
public final class GoDuration {
  private GoDuration() {}

  /**
   * Parses a Go duration.
   *
   * @throws IllegalArgumentException naming the text when it is not one
   */
  public static Duration parse(String s) {
    String t = s;
    boolean negative = false;
    if (t.startsWith("-") || t.startsWith("+")) {
      negative = t.charAt(0) == '-';
      t = t.substring(1);
    }
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (t.isEmpty()) {
      throw bad(s);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < t.length()) {
      int start = i;
      while (i < t.length() && (Character.isDigit(t.charAt(i)) && t.charAt(i) < 128 || t.charAt(i) == '.')) {
        i++;
      }
      String number = t.substring(start, i);
      if (number.isEmpty() || number.equals(".") || number.chars().filter(c -> c == '.').count() > 1) {
        throw bad(s);
      }
      int unitStart = i;
      while (i < t.length() && !(Character.isDigit(t.charAt(i)) && t.charAt(i) < 128) && t.charAt(i) != '.') {
        i++;
      }
      long unit =
          switch (t.substring(unitStart, i)) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw bad(s);
          };
      nanos = nanos.add(new BigDecimal(number.startsWith(".") ? "0" + number : number).multiply(BigDecimal.valueOf(unit)));
      if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw bad(s);
      }
    }
    long n = nanos.longValue();
    return Duration.ofNanos(negative ? -n : n);
  }

  private static IllegalArgumentException bad(String s) {
    return new IllegalArgumentException("invalid duration " + GoText.quote(s) + " (use e.g. 30s, 1m30s, 500ms)");
  }
}
