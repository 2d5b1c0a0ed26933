package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.LineReader;
import dev.kiln.buildfile.ast.Node;
import dev.kiln.buildfile.ast.SyntaxTree;
import dev.kiln.buildfile.internal.Instructions;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the parser: buildfile text to stages of typed instructions.
 *
 * <p>Lines become {@link Node}s ({@link LineReader}), a keyword dispatch table types each node, and
 * the instructions are grouped into {@link Stage}s, with the ARGs before the first FROM kept as
 * global arguments. Pure and thread-safe; never logs.
 */
public final class Buildfile {
  private Buildfile() {}

  /**
   * Parses a buildfile.
   *
   * @param file the name used in positions and messages (e.g. {@code Dockerfile})
   * @param text the buildfile's text
   * @throws BuildfileException for anything BuildKit rejects, at its line and column
   */
  public static ParseResult parse(String file, String text) {
    return fromSyntax(LineReader.read(file, text));
  }

  /**
   * Reads a buildfile only as far as BuildKit's parser does (no instruction rules): what {@code
   * kiln buildfile parse --format=sexp} prints.
   *
   * @throws BuildfileException for malformed lines, directives or heredocs
   */
  public static SyntaxTree syntax(String file, String text) {
    return LineReader.read(file, text);
  }

  /**
   * Buildfile bytes to text. Valid UTF-8 decodes as usual; each byte of an invalid sequence is kept
   * (as a lone surrogate) so that dumps show it as BuildKit does ({@code \xff}) instead of losing
   * it.
   */
  public static String decode(byte[] bytes) {
    return dev.kiln.buildfile.internal.GoText.decode(bytes, 0, bytes.length);
  }

  /** Types and groups an already read syntax tree. */
  public static ParseResult fromSyntax(SyntaxTree tree) {
    List<Arg> globalArgs = new ArrayList<>();
    List<Stage> stages = new ArrayList<>();
    From current = null;
    List<Instruction> body = new ArrayList<>();
    for (Node node : tree.nodes()) {
      Instruction instruction = Instructions.of(node);
      if (instruction instanceof From from) {
        if (current != null) {
          stages.add(new Stage(stages.size(), current, body));
        }
        current = from;
        body = new ArrayList<>();
      } else if (current == null) {
        if (!(instruction instanceof Arg arg)) {
          throw new BuildfileException(
              node.range(),
              instruction.keyword() + " before the first FROM: only ARG may come before FROM",
              node.original());
        }
        globalArgs.add(arg);
      } else {
        body.add(instruction);
      }
    }
    if (current == null) {
      throw new BuildfileException(
          tree.nodes().get(tree.nodes().size() - 1).range(), "no FROM: a buildfile needs at least one stage");
    }
    stages.add(new Stage(stages.size(), current, body));
    return new ParseResult(tree.file(), globalArgs, stages, tree.directives(), tree.escape(), tree.warnings());
  }
}
