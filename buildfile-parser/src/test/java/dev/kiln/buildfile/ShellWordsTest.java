package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ShellWords beyond the vector tables: options, matched names, nesting. */
class ShellWordsTest {
  @Test
  void reportsMatchedAndUnmatchedNames() {
    ShellWords.Expansion e = ShellWords.process("$A ${B:-x} \"$C\"", Map.of("A", "1"), ShellWords.Options.of('\\'));
    assertEquals(Set.of("A"), e.matched());
    assertEquals(Set.of("B", "C"), e.unmatched());
    assertEquals("1 x ", e.word());
    assertEquals(List.of("1", "x"), e.words());
  }

  @Test
  void backtickEscape() {
    ShellWords.Options tick = ShellWords.Options.of('`');
    assertEquals("C:\\dir $X", ShellWords.process("C:\\dir `$X", Map.of("X", "y"), tick).word());
  }

  @Test
  void skipUnsetKeepsReferencesAndRawModesKeepQuotes() {
    ShellWords.Options keep = new ShellWords.Options('\\', true, true, true);
    assertEquals("\"$HOME\" ${X:-y} 'q'", ShellWords.process("\"$HOME\" ${X:-y} 'q'", Map.of(), keep).word());
  }

  @Test
  void nestingIsBoundedNotStackBound() {
    int ok = ShellWords.MAX_NESTING;
    String nested = "${A:-".repeat(ok) + "end" + "}".repeat(ok);
    assertEquals("end", ShellWords.word(nested, Map.of()));
    String tooDeep = "${A:-".repeat(100_000) + "end" + "}".repeat(100_000);
    ExpansionException e = assertThrows(ExpansionException.class, () -> ShellWords.word(tooDeep, Map.of()));
    assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
  }
}
