package dev.kiln.layer.internal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tar stream that can write its next bytes to a file straight from where it holds them, so the
 * applier's main thread does not first copy every byte of a file's content into an array of its
 * own.
 */
interface ContentSource {
  /**
   * Writes up to {@code max} of the next bytes to a file.
   *
   * @param fd the file descriptor
   * @param path the file, for messages
   * @param max the most bytes to write, ≥ 1
   * @return how many were written, or -1 at the end of the stream
   * @throws IOException when the write fails, or reading the stream did
   */
  int writeTo(int fd, Path path, long max) throws IOException;
}
