package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln buildfile parse|check} run in-process. */
class BuildfileCommandTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run kiln(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.commandLine(args).execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private Path file(String text) throws IOException {
    Path p = dir.resolve("Dockerfile");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void parsePrintsBuildkitDump() throws IOException {
    Path p = file("FROM alpine:3.20 AS base\nONBUILD RUN [\"echo\", \"hi\"]\nCOPY --link a b /c/\n");
    Run r = kiln("buildfile", "parse", "--format=sexp", p.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "(from \"alpine:3.20\" \"AS\" \"base\")\n(onbuild (run \"echo\" \"hi\"))\n(copy [\"--link\"] \"a\" \"b\" \"/c/\")\n", r.out());
  }

  @Test
  void parsePrintsJsonByDefault() throws IOException {
    Run r = kiln("buildfile", "parse", file("FROM alpine:3.20\nCMD [\"sh\"]\n").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"instruction\": \"CMD\""), r.out());
  }

  @Test
  void badBuildfileIsOneLineErrorAndExitTwo() throws IOException {
    Path p = file("FROM alpine:3.20\nCOPY --frm=x a b\n");
    Run r = kiln("buildfile", "parse", p.toString());
    assertEquals(2, r.code());
    assertEquals("", r.out());
    assertTrue(r.err().startsWith("kiln: " + p + ":2:6: unknown flag: --frm — did you mean --from?\n"), r.err());
  }

  @Test
  void missingFileNamesIt() {
    Run r = kiln("buildfile", "check", dir.resolve("nope").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("kiln: cannot read buildfile " + dir.resolve("nope")), r.err());
  }

  @Test
  void checkReportsFindingsAndHonoursErrorDirective() throws IOException {
    Run warn = kiln("buildfile", "check", file("FROM alpine:3.20\nMAINTAINER me\n").toString());
    assertEquals(0, warn.code());
    assertTrue(warn.out().contains(":2:1: MaintainerDeprecated: "), warn.out());
    Run error = kiln("buildfile", "check", file("# check=error=true\nFROM alpine:3.20\nMAINTAINER me\n").toString());
    assertEquals(1, error.code());
    Run clean = kiln("buildfile", "check", file("FROM alpine:3.20\nCMD [\"sh\"]\n").toString());
    assertEquals(0, clean.code());
    assertEquals("", clean.out());
  }

  @Test
  void checkReadsTheBuildfileSpecificIgnoreFileFirst() throws IOException {
    Path p = file("FROM alpine:3.20\nCOPY app.log notes.txt /x/\n");
    Files.writeString(dir.resolve(".dockerignore"), "*.log\n");
    Run general = kiln("buildfile", "check", p.toString());
    assertTrue(general.out().contains("CopyIgnoredFile: Attempting to Copy file \"app.log\""), general.out());
    Files.writeString(dir.resolve("Dockerfile.dockerignore"), "notes.txt\n");
    Run specific = kiln("buildfile", "check", p.toString());
    assertTrue(specific.out().contains("\"notes.txt\""), specific.out());
    assertTrue(!specific.out().contains("app.log"), "Dockerfile.dockerignore replaces .dockerignore: " + specific.out());
  }
}
