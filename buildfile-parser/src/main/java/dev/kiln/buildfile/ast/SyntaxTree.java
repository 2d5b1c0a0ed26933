package dev.kiln.buildfile.ast;

import dev.kiln.buildfile.Warning;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the line reader produced: the instruction nodes in order, the directives, the escape
 * character in force, and warnings (empty continuation lines).
 *
 * @param file the buildfile's name
 * @param nodes the instructions
 * @param directives the parser directives, in order
 * @param escape {@code \} or {@code `}
 * @param warnings findings that do not stop the parse
 */
public record SyntaxTree(
    String file, List<Node> nodes, List<Directive> directives, char escape, List<Warning> warnings) {
  /** Copies the lists. */
  public SyntaxTree {
    nodes = List.copyOf(nodes);
    directives = List.copyOf(directives);
    warnings = List.copyOf(warnings);
  }

  /** The value of directive {@code name}, if present. */
  public Optional<String> directive(String name) {
    return directives.stream().filter(d -> d.name().equals(name)).map(Directive::value).findFirst();
  }

  /** Every node as BuildKit's parser test dumps it, one per line. */
  public String sexp() {
    return nodes.stream().map(Node::sexp).collect(Collectors.joining("\n"));
  }
}
