package dev.kiln.layer.internal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file's lstat data (from statx).
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
 * @param blocks the 512-byte blocks allocated to it (fewer than its size needs: it has holes)
 */
public record FileAttrs(
    int mode, int uid, int gid, long ino, long dev, long rdev, int nlink, long size,
    long mtimeSeconds, int mtimeNanos, long blocks) {

  /** The st_mode type mask. */
  public static final int S_IFMT = 0170000;

  /**
   * Reads a file's attributes without following a symlink.
   *
   * @param path the file
   * @return its attributes
   * @throws java.nio.file.NoSuchFileException when it does not exist
   * @throws IOException when it cannot be read
   */
  public static FileAttrs read(Path path) throws IOException {
    return Native.lstat(path);
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

  /**
   * Returns whether this is a regular file with fewer blocks allocated than its size needs, so it
   * may have holes (compressing file systems also report this; the writer then finds no hole).
   */
  public boolean mayBeSparse() {
    return isFile() && blocks < (size + 511) / 512;
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
