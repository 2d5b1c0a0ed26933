package dev.kiln.buildfile;

import dev.kiln.buildfile.ast.Heredoc;
import java.util.List;
import java.util.Objects;

/**
 * {@code COPY [--from=…] [--chown=…] [--chmod=…] [--link] [--parents] [--exclude=…] SRC… DEST}.
 *
 * @param range where
 * @param sources source paths as written
 * @param inlineSources here-document sources ({@code <<EOF}), content attached
 * @param destination destination path as written
 * @param from the {@code --from} stage name, index or image; empty when absent
 * @param chown the {@code --chown} value; empty when absent
 * @param chmod the {@code --chmod} value; empty when absent
 * @param link {@code --link}
 * @param parents {@code --parents}
 * @param excludes each {@code --exclude} pattern
 */
public record Copy(
    SourceRange range,
    List<String> sources,
    List<Heredoc> inlineSources,
    String destination,
    String from,
    String chown,
    String chmod,
    boolean link,
    boolean parents,
    List<String> excludes)
    implements Instruction {
  /** Copies the lists. */
  public Copy {
    Objects.requireNonNull(range);
    sources = List.copyOf(sources);
    inlineSources = List.copyOf(inlineSources);
    Objects.requireNonNull(destination);
    Objects.requireNonNull(from);
    Objects.requireNonNull(chown);
    Objects.requireNonNull(chmod);
    excludes = List.copyOf(excludes);
  }
}
