package dev.kiln.layer.internal;

import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.LayerRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies tar entries to a directory without ever touching anything outside it. Every entry name is
 * checked (no absolute paths, no {@code ..}); every parent directory is resolved one component at a
 * time with lstat, following symlinks as if the target were the root (an absolute link target starts
 * at the target, a {@code ..} that would climb above it is refused); the last component is never
 * followed: the entry is created with O_EXCL (mkdir, symlink, link and mknod never follow it either),
 * and only when something is in the way is that looked at (without following) and removed. Hardlink targets and whiteouts are resolved the same way. Directory modes and mtimes
 * are set at the end, so a read-only directory can still be filled. Not thread-safe: one layer at a
 * time per target.
 */
public final class Extractor {
  private static final int MAX_SYMLINKS = 40;

  private final Path root;
  private final ApplyOptions options;
  private final byte[] buffer = new byte[256 * 1024];
  /** Verified real directories by the parent path an entry spelled; cleared on every removal. */
  private final Map<String, Path> dirCache = new HashMap<>();
  /**
   * Relative paths this layer created in directories it did not make itself, so an opaque marker
   * spares them (in a directory this layer made, everything is the layer's own).
   */
  private final Set<String> created = new HashSet<>();
  private final List<DeferredDir> dirs = new ArrayList<>();
  /**
   * Directories this extractor made (empty when made), each with whether a new file in it gets this
   * process's uid and gid and the mode it is created with less the umask (no setgid bit and no
   * default ACL). Like {@link #dirs} this grows with the layer's directories, never with its files.
   */
  private final Map<Path, Boolean> freshDirs = new HashMap<>();
  private final int euid;
  private final int egid;
  /** This process's umask, or -1 when unknown. */
  private final int umask;

  private record DeferredDir(Path path, int mode, long mtime) {}

  /**
   * Prepares to apply entries to a directory.
   *
   * @param root the target directory; must exist
   * @param options ownership, device and whiteout rules
   * @throws IOException when the target is not a directory
   */
  public Extractor(Path root, ApplyOptions options) throws IOException {
    Native.linkReadWriteAhead();
    this.root = root.toAbsolutePath().normalize();
    this.options = options;
    if (!Files.isDirectory(this.root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(root + ": not a directory");
    }
    Map<String, Object> self = Files.readAttributes(Path.of("/proc/self"), "unix:uid,gid");
    euid = (Integer) self.get("uid");
    egid = (Integer) self.get("gid");
    umask = readUmask();
  }

  /**
   * Applies one entry; a file's content is read from {@code tar}.
   *
   * @param e the entry
   * @param tar the reader positioned at its content
   * @throws IOException when the entry is hostile ({@link LayerRejectedException}) or writing fails
   */
  public void apply(TarEntry e, TarInput tar) throws IOException {
    List<String> parts = EntryNames.split(e.name(), e.name(), false);
    // A sparse file's data bytes pass through the stream bound like any others. Its holes cost no
    // disk and no time (one ftruncate makes them), so they are not added to the running total, where
    // a 1 TB hole would refuse an honest layer; but one file's real size must stay within the bound,
    // so no file appears larger than the layer may expand to (on a file system without holes, or
    // when copied by a tool that fills them, the bound still holds per file).
    if (tar.sparse() != null && e.size() > options.maxExpandedBytes()) {
      throw reject(e, "sparse file of " + e.size() + " bytes is larger than the bound of "
          + options.maxExpandedBytes() + " bytes on expanded size");
    }
    if (parts.isEmpty()) {
      if (e.type() == TarEntry.Type.DIRECTORY) { // the root itself: only its metadata
        ownAndLabel(root, e, false);
        dirs.add(new DeferredDir(root, e.mode(), e.mtime()));
        return;
      }
      throw reject(e, "names the root of the target as a " + e.type());
    }
    String base = parts.getLast();
    List<String> parentParts = parts.subList(0, parts.size() - 1);
    if (base.startsWith(TreeWalks.WHITEOUT)) {
      whiteout(e, parentParts, base);
      return;
    }
    Path parent = resolveDir(e, parentParts, true);
    Path path = parent.resolve(base);
    Boolean plainParent = freshDirs.get(parent);
    if (plainParent == null) {
      created.add(String.join("/", parts));
    }
    boolean plain = plainParent == Boolean.TRUE;
    boolean ownedRight = plain && e.uid() == euid && e.gid() == egid;
    // created with the entry's permissions, which the umask leaves alone: no chmod needed
    boolean modeRight = plain && umask >= 0 && (e.mode() & (07000 | umask)) == 0;
    Path linkTarget = null;
    if (e.type() == TarEntry.Type.HARDLINK) {
      linkTarget = resolveLinkTarget(e); // before removing anything, so a bad link changes nothing
    }
    // Create first; only when something is in the way look at it (without following it) and
    // replace it: no lstat for the common case of a free name.
    for (int attempt = 0; ; attempt++) {
      try {
        create(e, path, parent, linkTarget, tar, ownedRight, modeRight);
        return;
      } catch (FileAlreadyExistsException x) {
        FileAttrs existing = lstat(path);
        if (attempt > 0 || existing == null) {
          throw x; // something keeps re-appearing: not ours to fight
        }
        if (e.type() == TarEntry.Type.DIRECTORY && existing.isDirectory()) {
          ownAndLabel(path, e, false); // an existing directory is kept, its metadata replaced
          dirs.add(new DeferredDir(path, e.mode(), e.mtime()));
          return;
        }
        remove(path, existing.isDirectory());
      }
    }
  }

  private void create(TarEntry e, Path path, Path parent, Path linkTarget, TarInput tar,
      boolean ownedRight, boolean modeRight) throws IOException {
    switch (e.type()) {
      case DIRECTORY -> {
        makeDirectory(path, parent);
        ownAndLabel(path, e, ownedRight);
        if (!e.xattrs().isEmpty()) {
          freshDirs.put(path, false); // e.g. a default ACL: new files may not get the plain mode
        }
        dirs.add(new DeferredDir(path, e.mode(), e.mtime()));
      }
      case FILE -> writeFile(path, e, tar, ownedRight, modeRight);
      case SYMLINK -> {
        Files.createSymbolicLink(path, Path.of(e.linkName()));
        ownAndLabel(path, e, ownedRight);
        Native.setTimes(path, e.mtime(), 0);
      }
      case HARDLINK -> Files.createLink(path, linkTarget);
      case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
        if (e.type() != TarEntry.Type.FIFO && !options.devices()) {
          return; // without root a device cannot be made; skipped as rootless unpackers do
        }
        int type = switch (e.type()) {
          case CHAR_DEVICE -> Native.S_IFCHR;
          case BLOCK_DEVICE -> Native.S_IFBLK;
          default -> Native.S_IFIFO;
        };
        Native.mknod(path, type | (e.mode() & 0777), e.devMajor(), e.devMinor());
        finish(path, e, ownedRight, modeRight);
      }
    }
  }

  /**
   * Sets the deferred directory modes and mtimes; call once after the last entry.
   *
   * @throws IOException when a call fails
   */
  public void finishDirectories() throws IOException {
    for (int i = dirs.size() - 1; i >= 0; i--) {
      DeferredDir d = dirs.get(i);
      if (Files.isDirectory(d.path(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Native.chmod(d.path(), d.mode());
        Native.setTimes(d.path(), d.mtime(), 0);
      }
    }
    dirs.clear();
  }

  private void writeFile(Path path, TarEntry e, TarInput tar, boolean ownedRight, boolean modeRight)
      throws IOException {
    int fd = Native.createFile(path, e.mode());
    try {
      SparseMap sparse = tar.sparse();
      if (sparse == null) {
        tar.writeContentTo(fd, path, buffer);
      } else {
        writeSparse(fd, path, sparse, tar);
      }
      if (!ownedRight || !modeRight || !e.xattrs().isEmpty()) {
        ownAndLabel(path, e, ownedRight);
        if (!modeRight) {
          Native.chmod(path, e.mode()); // after chown, which clears setuid bits
        }
      }
      Native.setTimes(fd, path, e.mtime(), 0);
    } catch (IOException | RuntimeException x) {
      try {
        Native.close(fd, path);
      } catch (IOException suppressed) {
        x.addSuppressed(suppressed);
      }
      throw x;
    }
    Native.close(fd, path);
  }

  /**
   * Writes each data segment where it belongs and sets the size last: holes are never written, so
   * they stay holes. TarInput has checked that the segments lie inside the size, in order, and that
   * their lengths add up to the data the entry holds.
   */
  private void writeSparse(int fd, Path path, SparseMap sparse, TarInput tar) throws IOException {
    for (int i = 0; i < sparse.segments(); i++) {
      long left = sparse.length(i);
      if (left > 0) {
        Native.seek(fd, path, sparse.offset(i));
      }
      while (left > 0) {
        int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IllegalStateException(path + ": sparse data ended early"); // sizes were checked
        }
        Native.write(fd, path, buffer, 0, n);
        left -= n;
      }
    }
    Native.truncate(fd, path, sparse.realSize());
  }

  private void finish(Path path, TarEntry e, boolean ownedRight, boolean modeRight)
      throws IOException {
    ownAndLabel(path, e, ownedRight);
    if (!modeRight) {
      Native.chmod(path, e.mode()); // after chown, which clears setuid bits
    }
    Native.setTimes(path, e.mtime(), 0);
  }

  /**
   * Sets an entry's owner (unless {@code ownedRight}: it was just made with the wanted owner) and
   * xattrs.
   */
  private void ownAndLabel(Path path, TarEntry e, boolean ownedRight) throws IOException {
    if (options.ownership() && !ownedRight) {
      Native.lchown(path, (int) e.uid(), (int) e.gid());
    }
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      Native.setXattr(path, x.getKey(), x.getValue());
    }
  }

  private void whiteout(TarEntry e, List<String> parentParts, String base) throws IOException {
    Path parent = resolveDir(e, parentParts, options.whiteouts() == ApplyOptions.Whiteouts.OVERLAY);
    if (parent == null) {
      return; // nothing below to hide
    }
    String prefix = parentParts.isEmpty() ? "" : String.join("/", parentParts) + "/";
    if (base.equals(TreeWalks.OPAQUE)) {
      if (options.whiteouts() == ApplyOptions.Whiteouts.OVERLAY) {
        Native.setXattr(parent, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
        return;
      }
      if (freshDirs.containsKey(parent)) {
        return; // made by this layer: everything in it is the layer's own
      }
      List<String> victims = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
        for (Path p : ds) {
          if (!created.contains(prefix + p.getFileName())) {
            victims.add(p.getFileName().toString());
          }
        }
      }
      for (String v : victims) {
        Path p = parent.resolve(v);
        FileAttrs a = lstat(p);
        if (a != null) {
          remove(p, a.isDirectory());
        }
      }
      return;
    }
    String victim = base.substring(TreeWalks.WHITEOUT.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..") || victim.contains("/")) {
      throw reject(e, "whiteout names no file inside the target");
    }
    Path p = parent.resolve(victim);
    FileAttrs a = lstat(p);
    if (options.whiteouts() == ApplyOptions.Whiteouts.OVERLAY) {
      if (a != null) {
        remove(p, a.isDirectory());
      }
      Native.mknod(p, Native.S_IFCHR, 0, 0);
      if (!freshDirs.containsKey(parent)) {
        created.add(prefix + victim);
      }
      return;
    }
    if (a != null) {
      remove(p, a.isDirectory());
    }
  }

  private Path resolveLinkTarget(TarEntry e) throws IOException {
    List<String> parts = EntryNames.split(e.linkName(), e.name(), false);
    if (parts.isEmpty()) {
      throw reject(e, "hardlink to the target's root");
    }
    Path dir = resolveDir(e, parts.subList(0, parts.size() - 1), false);
    Path target = dir == null ? null : dir.resolve(parts.getLast());
    FileAttrs a = target == null ? null : lstat(target);
    if (a == null) {
      throw reject(e, "hardlink target '" + e.linkName() + "' does not exist in the layer so far");
    }
    if (a.isDirectory()) {
      throw reject(e, "hardlink target '" + e.linkName() + "' is a directory");
    }
    return target;
  }

  /**
   * Resolves a parent path to a real directory inside the target, following symlinks as if the
   * target were the root.
   *
   * @return the directory, or {@code null} when a component is missing and {@code create} is false
   */
  private Path resolveDir(TarEntry e, List<String> parts, boolean create) throws IOException {
    String key = String.join("/", parts);
    Path cached = dirCache.get(key);
    if (cached != null) {
      return cached;
    }
    ArrayDeque<String> todo = new ArrayDeque<>(parts);
    ArrayList<String> real = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (real.isEmpty()) {
          throw reject(e, "path goes through a symlink that points outside the target");
        }
        real.removeLast();
        continue;
      }
      Path p = join(real).resolve(c);
      FileAttrs a = lstat(p);
      if (a == null) {
        if (!create) {
          return null;
        }
        Path parent = join(real);
        makeDirectory(p, parent);
        if (options.ownership() && !(freshDirs.get(parent) == Boolean.TRUE && euid == 0 && egid == 0)) {
          Native.lchown(p, 0, 0);
        }
        real.add(c);
      } else if (a.isDirectory()) {
        real.add(c);
      } else if (a.isSymlink()) {
        if (++links > MAX_SYMLINKS) {
          throw reject(e, "too many levels of symlinks");
        }
        String target = Files.readSymbolicLink(p).toString();
        if (target.startsWith("/")) {
          real.clear(); // an absolute link means the image's root, which is the target
        }
        String[] tparts = target.split("/");
        for (int i = tparts.length - 1; i >= 0; i--) {
          todo.addFirst(tparts[i]);
        }
      } else {
        throw reject(e, "parent '" + String.join("/", real) + (real.isEmpty() ? "" : "/") + c
            + "' is not a directory");
      }
    }
    Path dir = join(real);
    if (dirCache.size() > 4096) {
      dirCache.clear();
    }
    dirCache.put(key, dir);
    return dir;
  }

  private static int readUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).strip(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown: every entry gets its chmod
    }
    return -1;
  }

  /** Makes an empty directory and notes it as fresh, with whether it is plain (see freshDirs). */
  private void makeDirectory(Path dir, Path parent) throws IOException {
    Files.createDirectory(dir);
    Boolean parentPlain = freshDirs.get(parent);
    if (parentPlain == null) {
      FileAttrs a = lstat(parent);
      parentPlain = a != null && (a.mode() & 02000) == 0 && !hasDefaultAcl(parent);
    }
    freshDirs.put(dir, parentPlain);
  }

  private static boolean hasDefaultAcl(Path dir) {
    try {
      return Native.getXattr(dir, "system.posix_acl_default") != null;
    } catch (IOException e) {
      return true; // cannot tell: assume the worst
    }
  }

  private Path join(List<String> real) {
    Path p = root;
    for (String c : real) {
      p = p.resolve(c);
    }
    return p;
  }

  private void remove(Path path, boolean directory) throws IOException {
    dirCache.clear(); // a cached directory may be what goes, or hold it
    if (directory) {
      freshDirs.keySet().removeIf(d -> d.startsWith(path));
      deleteTree(path);
    } else {
      Files.delete(path);
    }
  }

  /**
   * Deletes a directory and everything in it, never following a symlink.
   *
   * @param dir the directory
   * @throws IOException when something cannot be deleted
   */
  public static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static FileAttrs lstat(Path p) throws IOException {
    try {
      return FileAttrs.read(p);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static LayerRejectedException reject(TarEntry e, String why) {
    return new LayerRejectedException(e == null ? "" : e.name(), why);
  }
}
