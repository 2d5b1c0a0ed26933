package dev.kiln.buildfile;

import dev.kiln.buildfile.internal.GoText;

/** Shows fuzz inputs readably in failure messages. */
final class GoTextForTests {
  private GoTextForTests() {}

  static String show(String text) {
    String q = GoText.quote(text);
    return q.length() > 2000 ? q.substring(0, 2000) + "…" : q;
  }
}
