package dev.kiln.runtime;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Looks up files in a root file system given as overlay lower dirs, top-most first. */
final class RootFs {
  private RootFs() {}

  /**
   * @param lowers unpacked layers, top-most first
   * @param relative path relative to the root, without leading slash
   * @return the file in the top-most layer that has it; symlinks are not followed outside the root
   */
  static Optional<Path> find(List<Path> lowers, String relative) {
    for (Path lower : lowers) {
      Path p = lower.resolve(relative);
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /**
   * Finds the command the container will run, as the shim will: on the container's PATH when the
   * name has no slash. Symlinks are resolved inside the image (busybox applets are links).
   *
   * @param lowers unpacked layers, top-most first
   * @param command args[0]
   * @param path the container's PATH value
   * @return whether it exists in the image
   */
  static boolean hasCommand(List<Path> lowers, String command, String path) {
    if (command.contains("/")) return exists(lowers, command, 0);
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && exists(lowers, dir + "/" + command, 0)) return true;
    }
    return false;
  }

  private static boolean exists(List<Path> lowers, String absolute, int depth) {
    if (depth > 16) return false;
    String rel = absolute.replaceFirst("^/+", "");
    Optional<Path> p = find(lowers, rel);
    if (p.isEmpty()) return false;
    if (!Files.isSymbolicLink(p.get())) return true;
    try {
      String target = Files.readSymbolicLink(p.get()).toString();
      String next = target.startsWith("/") ? target : Path.of("/" + rel).getParent().resolve(target).normalize().toString();
      return exists(lowers, next, depth + 1);
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
