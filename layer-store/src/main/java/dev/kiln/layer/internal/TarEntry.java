package dev.kiln.layer.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One tar entry's header, as kiln writes and reads it. Names are relative, without a leading
 * {@code ./} or {@code /}; directories end in {@code /} only on the wire.
 *
 * @param name the path inside the layer, e.g. {@code usr/bin/env}
 * @param type the entry's type
 * @param mode the twelve permission bits
 * @param uid the owner's user id
 * @param gid the owner's group id
 * @param size the content size in bytes (regular files only; 0 otherwise)
 * @param mtime the modification time in whole seconds since the epoch
 * @param linkName the target of a symlink or hardlink, "" otherwise
 * @param devMajor the major number of a device node
 * @param devMinor the minor number of a device node
 * @param xattrs extended attributes by full name, sorted; values are copied
 */
public record TarEntry(
    String name,
    Type type,
    int mode,
    long uid,
    long gid,
    long size,
    long mtime,
    String linkName,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs) {

  /** The entry types a layer may hold. */
  public enum Type {
    /** A regular file. */
    FILE('0'),
    /** A hardlink to an earlier entry. */
    HARDLINK('1'),
    /** A symbolic link. */
    SYMLINK('2'),
    /** A character device. */
    CHAR_DEVICE('3'),
    /** A block device. */
    BLOCK_DEVICE('4'),
    /** A directory. */
    DIRECTORY('5'),
    /** A FIFO. */
    FIFO('6');

    private final char flag;

    Type(char flag) {
      this.flag = flag;
    }

    /** Returns the tar typeflag byte. */
    public char flag() {
      return flag;
    }
  }

  /** Checks and copies. */
  public TarEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(linkName, "linkName");
    if (size < 0 || (size > 0 && type != Type.FILE)) {
      throw new IllegalArgumentException("tar entry " + name + ": size " + size + " for a " + type);
    }
    if (xattrs.isEmpty()) {
      xattrs = Collections.emptySortedMap(); // most entries: no copy to make
    } else {
      TreeMap<String, byte[]> copy = new TreeMap<>();
      xattrs.forEach((k, v) -> copy.put(k, v.clone()));
      xattrs = Collections.unmodifiableSortedMap(copy);
    }
  }

  /**
   * Returns an entry with no link, device numbers or xattrs.
   *
   * @param name the path
   * @param type the type
   * @param mode the permission bits
   * @param size the size (files only)
   * @param mtime the mtime in seconds
   * @return the entry, owned by 0:0
   */
  public static TarEntry of(String name, Type type, int mode, long size, long mtime) {
    return new TarEntry(name, type, mode, 0, 0, size, mtime, "", 0, 0, Map.of());
  }

  /**
   * Returns this entry with another link target.
   *
   * @param target the link target
   * @return the new entry
   */
  public TarEntry withLinkName(String target) {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, target, devMajor, devMinor, xattrs);
  }

  /**
   * Returns this entry with another owner.
   *
   * @param newUid the user id
   * @param newGid the group id
   * @return the new entry
   */
  public TarEntry withOwner(long newUid, long newGid) {
    return new TarEntry(name, type, mode, newUid, newGid, size, mtime, linkName, devMajor, devMinor, xattrs);
  }

  /**
   * Returns this entry with extended attributes.
   *
   * @param newXattrs the attributes
   * @return the new entry
   */
  public TarEntry withXattrs(Map<String, byte[]> newXattrs) {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, linkName, devMajor, devMinor, newXattrs);
  }

  /**
   * Returns this entry with device numbers.
   *
   * @param major the major number
   * @param minor the minor number
   * @return the new entry
   */
  public TarEntry withDevice(long major, long minor) {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, linkName, major, minor, xattrs);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TarEntry e)) {
      return false;
    }
    if (!(name.equals(e.name) && type == e.type && mode == e.mode && uid == e.uid && gid == e.gid
        && size == e.size && mtime == e.mtime && linkName.equals(e.linkName)
        && devMajor == e.devMajor && devMinor == e.devMinor
        && xattrs.keySet().equals(e.xattrs.keySet()))) {
      return false;
    }
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      if (!Arrays.equals(x.getValue(), e.xattrs.get(x.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, mode, uid, gid, size, mtime, linkName, devMajor, devMinor);
  }
}
