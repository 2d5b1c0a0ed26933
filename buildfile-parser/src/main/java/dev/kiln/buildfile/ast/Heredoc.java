package dev.kiln.buildfile.ast;

import java.util.Objects;

/**
 * A here-document attached to RUN, COPY or ADD ({@code <<EOF}, {@code <<-EOF}, {@code 3<<"EOF"}).
 *
 * @param name the delimiter word, quotes removed
 * @param fileDescriptor the number written before {@code <<}, 0 when absent
 * @param expand whether variables in the content are expanded (no part of the delimiter quoted)
 * @param chomp {@code <<-}: leading tabs are stripped from the content lines and the delimiter
 * @param content the lines between the instruction and the delimiter, newlines kept
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {
  /** Validates. */
  public Heredoc {
    Objects.requireNonNull(name);
    Objects.requireNonNull(content);
  }

  /** The content with leading tabs removed from every line when {@link #chomp()} is set. */
  public String effectiveContent() {
    return chomp ? content.replaceAll("(?m)^\\t+", "") : content;
  }

  /** A copy with the given content. */
  public Heredoc withContent(String newContent) {
    return new Heredoc(name, fileDescriptor, expand, chomp, newContent);
  }
}
