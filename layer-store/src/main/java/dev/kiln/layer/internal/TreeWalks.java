package dev.kiln.layer.internal;

import dev.kiln.layer.LayerRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.TreeSet;

/**
 * The three ways a layer's entries come from files: a whole tree, an overlayfs upper directory, and
 * the difference between two trees. Every walk is depth first, a directory before its children,
 * children sorted by name, so the same tree always gives the same entry order.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md">image-spec v1.1.0,
 *     layers (change types, whiteouts)</a>
 */
public final class TreeWalks {
  private TreeWalks() {}

  /** The prefix of a whiteout entry's base name. */
  public static final String WHITEOUT = ".wh.";
  /** The base name of an opaque-directory marker. */
  public static final String OPAQUE = ".wh..wh..opq";

  /**
   * Writes every file under a root (the root itself not included).
   *
   * @param root the tree
   * @param emitter where entries go
   * @throws IOException when reading or writing fails
   */
  public static void directory(Path root, EntryEmitter emitter) throws IOException {
    walk(root, "", emitter, false);
  }

  /**
   * Writes an overlayfs upper directory as a layer: character devices 0/0 become {@code .wh.NAME}
   * entries and directories marked opaque ({@code trusted.overlay.opaque=y}, or {@code
   * user.overlay.opaque=y} on a userxattr mount) get a {@code .wh..wh..opq} entry.
   *
   * @param upper the upper directory of an unmounted overlay
   * @param emitter where entries go
   * @throws IOException when reading or writing fails, or the upper dir uses redirect_dir or metacopy
   *     (which a layer cannot express; mount with {@code redirect_dir=off,metacopy=off})
   */
  public static void overlayUpper(Path upper, EntryEmitter emitter) throws IOException {
    walk(upper, "", emitter, true);
  }

  private static void walk(Path dir, String prefix, EntryEmitter emitter, boolean overlay)
      throws IOException {
    for (String child : children(dir)) {
      Path path = dir.resolve(child);
      FileAttrs a = FileAttrs.read(path);
      String name = prefix + child;
      if (overlay && a.isOverlayWhiteout()) {
        emitter.put(whiteout(prefix + WHITEOUT + child, emitter.mtime(a)), null);
        continue;
      }
      if (overlay) {
        refuseOverlayFeatures(name, path);
      }
      emitter.emit(name, path, a, overlay);
      if (a.isDirectory()) {
        if (overlay && isOpaque(path)) {
          emitter.put(whiteout(name + "/" + OPAQUE, emitter.mtime(a)), null);
        }
        walk(path, name + "/", emitter, overlay);
      }
    }
  }

  private static TarEntry whiteout(String name, long mtime) {
    return TarEntry.of(name, TarEntry.Type.FILE, 0, 0, mtime);
  }

  private static boolean isOpaque(Path dir) throws IOException {
    for (String attr : List.of("trusted.overlay.opaque", "user.overlay.opaque")) {
      byte[] v = Native.getXattr(dir, attr);
      if (v != null && new String(v, StandardCharsets.US_ASCII).equals("y")) {
        return true;
      }
    }
    return false;
  }

  private static void refuseOverlayFeatures(String name, Path path) throws IOException {
    for (String attr : List.of("trusted.overlay.redirect", "trusted.overlay.metacopy")) {
      if (Native.getXattr(path, attr) != null) {
        throw new LayerRejectedException(name, "overlay upper dir uses " + attr
            + ", which a layer cannot express (mount with redirect_dir=off,metacopy=off)");
      }
    }
  }

  /**
   * Writes what changed from {@code lower} to {@code upper}: added and changed files, whiteouts for
   * deleted ones, and the directories leading to each change. A file counts as changed when its
   * type, mode, owner, size, mtime (to the nanosecond), link target, device number or xattrs differ.
   *
   * @param lower the tree before
   * @param upper the tree after
   * @param emitter where entries go
   * @throws IOException when reading or writing fails
   */
  public static void diff(Path lower, Path upper, EntryEmitter emitter) throws IOException {
    diff(lower, upper, "", emitter, new ArrayDeque<>());
  }

  private record Parent(String name, Path path, FileAttrs attrs, boolean[] written) {}

  private static void diff(Path lower, Path upper, String prefix, EntryEmitter emitter,
      Deque<Parent> parents) throws IOException {
    TreeSet<String> names = new TreeSet<>(children(lower));
    names.addAll(children(upper));
    for (String child : names) {
      FileAttrs l = attrsOrNull(lower.resolve(child));
      FileAttrs u = attrsOrNull(upper.resolve(child));
      String name = prefix + child;
      Path up = upper.resolve(child);
      if (u == null) {
        flush(parents, emitter);
        emitter.put(whiteout(prefix + WHITEOUT + child, l == null ? 0 : emitter.mtime(l)), null);
      } else if (l != null && l.isDirectory() && u.isDirectory()) {
        Parent p = new Parent(name, up, u, new boolean[1]);
        parents.addLast(p);
        if (changed(l, lower.resolve(child), u, up)) {
          flush(parents, emitter);
        }
        diff(lower.resolve(child), up, name + "/", emitter, parents);
        parents.removeLast();
      } else if (l == null || changed(l, lower.resolve(child), u, up)) {
        flush(parents, emitter);
        emitter.emit(name, up, u, false);
        if (u.isDirectory()) {
          walk(up, name + "/", emitter, false);
        }
      }
    }
  }

  private static void flush(Deque<Parent> parents, EntryEmitter emitter) throws IOException {
    for (Parent p : parents) {
      if (!p.written()[0]) {
        emitter.emit(p.name(), p.path(), p.attrs(), false);
        p.written()[0] = true;
      }
    }
  }

  private static boolean changed(FileAttrs l, Path lp, FileAttrs u, Path up) throws IOException {
    if (l.mode() != u.mode() || l.uid() != u.uid() || l.gid() != u.gid()
        || l.mtimeSeconds() != u.mtimeSeconds() || l.mtimeNanos() != u.mtimeNanos()
        || l.rdev() != u.rdev() || (!l.isDirectory() && l.size() != u.size())) {
      return true;
    }
    if (l.isSymlink() && !Files.readSymbolicLink(lp).equals(Files.readSymbolicLink(up))) {
      return true;
    }
    List<String> lx = Native.listXattrs(lp);
    List<String> ux = Native.listXattrs(up);
    if (!new TreeSet<>(lx).equals(new TreeSet<>(ux))) {
      return true;
    }
    for (String x : lx) {
      if (!Arrays.equals(Native.getXattr(lp, x), Native.getXattr(up, x))) {
        return true;
      }
    }
    return false;
  }

  private static FileAttrs attrsOrNull(Path p) throws IOException {
    try {
      return FileAttrs.read(p);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Returns the names in a directory, sorted; empty when it is not a directory or absent.
   *
   * @param dir the directory
   * @return the sorted names
   * @throws IOException when listing fails
   */
  static List<String> children(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return names;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        names.add(p.getFileName().toString());
      }
    }
    names.sort(null);
    return names;
  }
}
