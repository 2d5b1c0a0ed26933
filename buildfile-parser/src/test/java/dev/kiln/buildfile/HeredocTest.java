package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.buildfile.ast.Heredoc;
import dev.kiln.buildfile.ast.LineReader;
import dev.kiln.buildfile.ast.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Here-documents at the syntax level, as BuildKit attaches them to nodes. */
class HeredocTest {
  private static List<Node> nodes(String text) {
    return Buildfile.syntax("Dockerfile", text).nodes();
  }

  private static Heredoc doc(String name, String content, boolean expand, boolean chomp, int fd) {
    return new Heredoc(name, fd, expand, chomp, content);
  }

  @Test
  void contentIsKeptRawAndTerminatorsMayBeIndentedOnlyWithChomp() {
    List<Node> n =
        nodes(
            """
            FROM alpine:3.20
            USER <<INVALID
            INVALID
            RUN <<EMPTY
            EMPTY
            RUN 3<<EMPTY2
            EMPTY2
            RUN "<<NOHEREDOC"
            RUN <<-UNINDENT
            \tbaz
            \tquux
            \tUNINDENT
            RUN <<'NOEXPAND'
            don't expand $NAME
            NOEXPAND
            RUN <<COMMENT
            # a comment inside stays
            echo hi # trailing
            COMMENT
            COPY <<X <<Y /dest
            Y
            X
            X
            Y
            RUN ["<<EOF"]
            """);
    assertEquals(List.of(), n.get(1).heredocs(), "USER takes no heredocs");
    assertEquals("invalid", n.get(2).command(), "so the next line is an instruction of its own");
    assertEquals(List.of(doc("EMPTY", "", true, false, 0)), n.get(3).heredocs());
    assertEquals(List.of(doc("EMPTY2", "", true, false, 3)), n.get(4).heredocs());
    assertEquals(List.of(), n.get(5).heredocs());
    assertEquals(List.of(doc("UNINDENT", "\tbaz\n\tquux\n", true, true, 0)), n.get(6).heredocs());
    assertEquals(List.of(doc("NOEXPAND", "don't expand $NAME\n", false, false, 0)), n.get(7).heredocs());
    assertEquals("# a comment inside stays\necho hi # trailing\n", n.get(8).heredocs().get(0).content());
    assertEquals(List.of(doc("X", "Y\n", true, false, 0), doc("Y", "X\n", true, false, 0)), n.get(9).heredocs());
    assertEquals(List.of(), n.get(10).heredocs(), "exec form takes no heredocs");
  }

  @Test
  void markers() {
    for (String ok : List.of("<<EOF", "<<'EOF'", "<<\"EOF\"", "<<-EOF", "<<-'EOF'", "<<-\"EOF\"", "<<E\"O\"F")) {
      assertEquals("EOF", LineReader.heredocMarker(ok).orElseThrow().name(), ok);
    }
    for (String not : List.of("", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "a<<EOF", "<<'EOF")) {
      assertTrue(LineReader.heredocMarker(not).isEmpty(), not);
    }
    assertEquals(false, LineReader.heredocMarker("<<E\"O\"F").orElseThrow().expand(), "any quoted part disables expansion");
  }
}
