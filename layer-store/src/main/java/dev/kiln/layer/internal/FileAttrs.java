package dev.kiln.layer.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A file's lstat data, as the JDK's {@code unix} attribute view gives it.
 *
 * @param mode the st_mode (type and permission bits)
 * @param uid the owner
 * @param gid the group
 * @param ino the inode
 * @param dev the device holding the file
 * @param rdev the device number of a device node
 * @param nlink the link count
 * @param size the size in bytes
 * @param mtimeSeconds the mtime's whole seconds
 * @param mtimeNanos the mtime's nanoseconds
 */
public record FileAttrs(
    int mode, int uid, int gid, long ino, long dev, long rdev, int nlink, long size,
    long mtimeSeconds, int mtimeNanos) {

  private static final String LIST = "unix:mode,uid,gid,ino,dev,rdev,nlink,size,lastModifiedTime";

  /** The st_mode type mask. */
  public static final int S_IFMT = 0170000;

  /**
   * Reads a file's attributes without following a symlink.
   *
   * @param path the file
   * @return its attributes
   * @throws IOException when it cannot be read
   */
  public static FileAttrs read(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, LIST, LinkOption.NOFOLLOW_LINKS);
    FileTime t = (FileTime) a.get("lastModifiedTime");
    long nanos = t.to(TimeUnit.NANOSECONDS);
    return new FileAttrs(
        (Integer) a.get("mode"),
        (Integer) a.get("uid"),
        (Integer) a.get("gid"),
        (Long) a.get("ino"),
        (Long) a.get("dev"),
        (Long) a.get("rdev"),
        (Integer) a.get("nlink"),
        (Long) a.get("size"),
        Math.floorDiv(nanos, 1_000_000_000L),
        (int) Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Returns the type bits. */
  public int type() {
    return mode & S_IFMT;
  }

  /** Returns whether this is a directory. */
  public boolean isDirectory() {
    return type() == 0040000;
  }

  /** Returns whether this is a regular file. */
  public boolean isFile() {
    return type() == 0100000;
  }

  /** Returns whether this is a symlink. */
  public boolean isSymlink() {
    return type() == 0120000;
  }

  /** Returns whether this is an overlayfs whiteout: a character device 0/0. */
  public boolean isOverlayWhiteout() {
    return type() == Native.S_IFCHR && rdev == 0;
  }
}
