package dev.kiln.buildfile.ast;

import dev.kiln.buildfile.SourceRange;
import dev.kiln.buildfile.internal.GoText;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One instruction as the line reader sees it, before any meaning is given to its arguments: the
 * shape of BuildKit's {@code parser.Node}.
 *
 * @param keyword the instruction word as written (any case)
 * @param flags the leading {@code --name[=value]} words, quotes and escapes removed
 * @param flagRanges where each flag starts
 * @param args the arguments as the keyword's line parser split them (for ENV and LABEL: key,
 *     value, separator triples; for an unknown keyword: one empty string)
 * @param children the trigger instruction of ONBUILD (zero or one node)
 * @param json whether the arguments were a JSON array (exec form)
 * @param heredocs here-documents read after the line
 * @param original the logical line (continuations joined, comment lines dropped)
 * @param comments the comment lines right before the instruction, {@code #} removed
 * @param range from the keyword to the end of the last line read (heredocs included)
 */
public record Node(
    String keyword,
    List<String> flags,
    List<SourceRange> flagRanges,
    List<String> args,
    List<Node> children,
    boolean json,
    List<Heredoc> heredocs,
    String original,
    List<String> comments,
    SourceRange range) {
  /** Copies the lists. */
  public Node {
    Objects.requireNonNull(keyword);
    flags = List.copyOf(flags);
    flagRanges = List.copyOf(flagRanges);
    args = List.copyOf(args);
    children = List.copyOf(children);
    heredocs = List.copyOf(heredocs);
    Objects.requireNonNull(original);
    comments = List.copyOf(comments);
    Objects.requireNonNull(range);
    if (flags.size() != flagRanges.size()) {
      throw new IllegalArgumentException("one range per flag");
    }
  }

  /** The keyword in lower case, the key of the dispatch table. */
  public String command() {
    return keyword.toLowerCase(Locale.ROOT);
  }

  /** A copy carrying the given here-documents and range. */
  public Node withHeredocs(List<Heredoc> newHeredocs, SourceRange newRange) {
    return new Node(keyword, flags, flagRanges, args, children, json, newHeredocs, original, comments, newRange);
  }

  /**
   * The node as BuildKit's {@code Node.Dump} prints it: {@code (keyword ["--flag" …] "arg" …)},
   * strings quoted as Go's {@code %q} quotes them.
   */
  public String sexp() {
    StringBuilder out = new StringBuilder("(");
    appendDump(out);
    return out.append(')').toString();
  }

  private void appendDump(StringBuilder out) {
    StringBuilder s = new StringBuilder(command());
    if (!flags.isEmpty()) {
      s.append(" [");
      for (int i = 0; i < flags.size(); i++) {
        s.append(i == 0 ? "" : " ").append(GoText.quote(flags.get(i)));
      }
      s.append(']');
    }
    for (Node child : children) {
      s.append(' ');
      child.appendAsChild(s);
    }
    for (String arg : args) {
      s.append(' ').append(GoText.quote(arg));
    }
    out.append(GoText.trimSpace(s.toString()));
  }

  private void appendAsChild(StringBuilder s) {
    s.append('(');
    appendDump(s);
    s.append(')');
  }
}
