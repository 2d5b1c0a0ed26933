package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.Heredoc;
import java.util.List;
import java.util.Objects;

/**
 * {@code RUN [--mount=…] [--network=…] [--security=…] command}.
 *
 * @param range where
 * @param command exec or shell form
 * @param mounts each {@code --mount} value, in order
 * @param network the {@code --network} value; empty when absent
 * @param security the {@code --security} value; empty when absent
 * @param heredocs here-documents (shell form only)
 */
public record Run(
    SourceRange range,
    CommandForm command,
    List<String> mounts,
    String network,
    String security,
    List<Heredoc> heredocs)
    implements Instruction {
  /** Copies the lists. */
  public Run {
    Objects.requireNonNull(range);
    Objects.requireNonNull(command);
    mounts = List.copyOf(mounts);
    Objects.requireNonNull(network);
    Objects.requireNonNull(security);
    heredocs = List.copyOf(heredocs);
  }
}
