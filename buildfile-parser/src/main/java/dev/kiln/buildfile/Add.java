package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.Heredoc;
import java.util.List;
import java.util.Objects;

/**
 * {@code ADD [--chown=…] [--chmod=…] [--link] [--keep-git-dir] [--checksum=…] [--exclude=…]
 * [--unpack] SRC… DEST}: like COPY, plus URLs, Git repositories and archive extraction.
 *
 * @param range where
 * @param sources source paths or URLs as written
 * @param inlineSources here-document sources, content attached
 * @param destination destination path as written
 * @param chown the {@code --chown} value; empty when absent
 * @param chmod the {@code --chmod} value; empty when absent
 * @param link {@code --link}
 * @param keepGitDir {@code --keep-git-dir}
 * @param checksum the {@code --checksum} value; empty when absent
 * @param excludes each {@code --exclude} pattern
 * @param unpack the {@code --unpack} value ("true"/"false"); empty when absent
 */
public record Add(
    SourceRange range,
    List<String> sources,
    List<Heredoc> inlineSources,
    String destination,
    String chown,
    String chmod,
    boolean link,
    boolean keepGitDir,
    String checksum,
    List<String> excludes,
    String unpack)
    implements Instruction {
  /** Copies the lists. */
  public Add {
    Objects.requireNonNull(range);
    sources = List.copyOf(sources);
    inlineSources = List.copyOf(inlineSources);
    Objects.requireNonNull(destination);
    Objects.requireNonNull(chown);
    Objects.requireNonNull(chmod);
    Objects.requireNonNull(checksum);
    excludes = List.copyOf(excludes);
    Objects.requireNonNull(unpack);
  }
}
