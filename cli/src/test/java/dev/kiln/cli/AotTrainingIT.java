package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command of every training group still ends as the training expects: a command that
 * changes its exit code or starts failing would otherwise silently shrink the launcher's AOT
 * caches, and every later start-up would pay for it.
 */
class AotTrainingIT {
  @ParameterizedTest
  @ValueSource(strings = {"default", "client", "containers"})
  void everyTrainingCommandEndsAsExpected(String group) throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      AotTraining.main(new String[] {group});
    } finally {
      System.setErr(err);
    }
    String mismatches = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.startsWith("training ")).reduce("", (a, b) -> a + b + "\n");
    assertEquals("", mismatches);
  }
}
