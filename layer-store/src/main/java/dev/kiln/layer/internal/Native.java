package dev.kiln.layer.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls the JDK does not offer without following symlinks or at all: extended
 * attributes of every namespace (the JDK's view only reaches {@code user.*}, and layers carry
 * {@code security.capability} and {@code trusted.overlay.*}), mknod, lchown, utimensat with
 * AT_SYMLINK_NOFOLLOW and chmod with the setuid/setgid/sticky bits. Linux only, through the FFM API.
 * Thread-safe: every call allocates its own arena.
 */
@SuppressWarnings("restricted") // the calls are few, checked and Linux-only; see the class comment
public final class Native {
  private Native() {}

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
  private static final ValueLayout ADDR = ValueLayout.ADDRESS;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

  // One holder per call: a downcall handle costs tens of milliseconds to link, so each is linked
  // on first use only (the applier never lists xattrs, the writer never calls mknod).
  private static final class Llistxattr {
    static final MethodHandle H = fn("llistxattr", FunctionDescriptor.of(SIZE_T, ADDR, ADDR, SIZE_T));
  }

  private static final class Lgetxattr {
    static final MethodHandle H =
        fn("lgetxattr", FunctionDescriptor.of(SIZE_T, ADDR, ADDR, ADDR, SIZE_T));
  }

  private static final class Lsetxattr {
    static final MethodHandle H =
        fn("lsetxattr", FunctionDescriptor.of(INT, ADDR, ADDR, ADDR, SIZE_T, INT));
  }

  private static final class Mknod {
    static final MethodHandle H =
        fn("mknod", FunctionDescriptor.of(INT, ADDR, INT, ValueLayout.JAVA_LONG));
  }

  private static final class Lchown {
    static final MethodHandle H = fn("lchown", FunctionDescriptor.of(INT, ADDR, INT, INT));
  }

  private static final class Chmod {
    static final MethodHandle H = fn("chmod", FunctionDescriptor.of(INT, ADDR, INT));
  }

  private static final class Utimensat {
    static final MethodHandle H = fn("utimensat", FunctionDescriptor.of(INT, INT, ADDR, ADDR, INT));
  }

  private static final int ENODATA = 61;
  private static final int ERANGE = 34;
  private static final int ENOTSUP = 95;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  /** File type bits of a character device, for {@link #mknod}. */
  public static final int S_IFCHR = 0020000;
  /** File type bits of a block device. */
  public static final int S_IFBLK = 0060000;
  /** File type bits of a FIFO. */
  public static final int S_IFIFO = 0010000;

  private static MethodHandle fn(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  private static IOException failure(String call, Path path, int errno) {
    return new IOException(call + " " + path + ": errno " + errno + " (" + describe(errno) + ")");
  }

  private static String describe(int errno) {
    return switch (errno) {
      case 1 -> "operation not permitted";
      case 2 -> "no such file or directory";
      case 13 -> "permission denied";
      case 17 -> "file exists";
      case 22 -> "invalid argument";
      case 28 -> "no space left on device";
      case 95 -> "operation not supported";
      default -> "see errno(3)";
    };
  }

  /** Returns whether this process runs with effective uid 0. */
  public static boolean isRoot() {
    try {
      // the owner of /proc/self is the effective uid; cheaper than linking geteuid
      return Integer.valueOf(0).equals(
          java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Lists the names of a file's extended attributes, without following a symlink.
   *
   * @param path the file
   * @return the names in the order the kernel gives them; empty where the file system has none
   * @throws IOException when the call fails
   */
  public static List<String> listXattrs(Path path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment p = arena.allocateFrom(path.toString());
      for (int attempt = 0; attempt < 8; attempt++) {
        long size = (long) Llistxattr.H.invokeExact(state, p, MemorySegment.NULL, 0L);
        if (size < 0) {
          int e = errno(state);
          if (e == ENOTSUP) {
            return List.of();
          }
          throw failure("llistxattr", path, e);
        }
        if (size == 0) {
          return List.of();
        }
        MemorySegment buf = arena.allocate(size);
        long got = (long) Llistxattr.H.invokeExact(state, p, buf, size);
        if (got < 0) {
          if (errno(state) == ERANGE) {
            continue; // grew between the two calls
          }
          throw failure("llistxattr", path, errno(state));
        }
        List<String> names = new ArrayList<>();
        byte[] bytes = buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
          if (bytes[i] == 0) {
            if (i > start) {
              names.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
            }
            start = i + 1;
          }
        }
        return names;
      }
      throw new IOException("llistxattr " + path + ": attribute list keeps changing");
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Reads one extended attribute, without following a symlink.
   *
   * @param path the file
   * @param name the attribute's full name, e.g. {@code security.capability}
   * @return its value, or {@code null} when the file has no such attribute
   * @throws IOException when the call fails
   */
  public static byte[] getXattr(Path path, String name) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment p = arena.allocateFrom(path.toString());
      MemorySegment n = arena.allocateFrom(name);
      for (int attempt = 0; attempt < 8; attempt++) {
        long size = (long) Lgetxattr.H.invokeExact(state, p, n, MemorySegment.NULL, 0L);
        if (size < 0) {
          if (errno(state) == ENODATA) {
            return null;
          }
          throw failure("lgetxattr " + name, path, errno(state));
        }
        MemorySegment buf = arena.allocate(Math.max(size, 1));
        long got = (long) Lgetxattr.H.invokeExact(state, p, n, buf, size);
        if (got < 0) {
          if (errno(state) == ERANGE) {
            continue;
          }
          throw failure("lgetxattr " + name, path, errno(state));
        }
        return buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
      }
      throw new IOException("lgetxattr " + path + ": attribute " + name + " keeps changing");
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Sets one extended attribute, without following a symlink.
   *
   * @param path the file
   * @param name the attribute's full name
   * @param value its value
   * @throws IOException when the call fails
   */
  public static void setXattr(Path path, String name, byte[] value) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment v = arena.allocate(Math.max(value.length, 1));
      MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
      int r =
          (int)
              Lsetxattr.H.invokeExact(
                  state,
                  arena.allocateFrom(path.toString()),
                  arena.allocateFrom(name),
                  v,
                  (long) value.length,
                  0);
      if (r != 0) {
        throw failure("lsetxattr " + name, path, errno(state));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Creates a device node or FIFO.
   *
   * @param path where
   * @param mode the file type bits ({@link #S_IFCHR}, {@link #S_IFBLK}, {@link #S_IFIFO}) or'ed with
   *     the permission bits
   * @param major the device's major number
   * @param minor the device's minor number
   * @throws IOException when the call fails
   */
  public static void mknod(Path path, int mode, long major, long minor) throws IOException {
    long dev = makedev(major, minor);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) Mknod.H.invokeExact(state, arena.allocateFrom(path.toString()), mode, dev);
      if (r != 0) {
        throw failure("mknod", path, errno(state));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Changes a file's owner without following a symlink.
   *
   * @param path the file
   * @param uid the user id
   * @param gid the group id
   * @throws IOException when the call fails
   */
  public static void lchown(Path path, int uid, int gid) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) Lchown.H.invokeExact(state, arena.allocateFrom(path.toString()), uid, gid);
      if (r != 0) {
        throw failure("lchown", path, errno(state));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Sets all twelve permission bits (setuid, setgid and sticky included); follows symlinks, so never
   * call it on one.
   *
   * @param path the file
   * @param mode the permission bits
   * @throws IOException when the call fails
   */
  public static void chmod(Path path, int mode) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) Chmod.H.invokeExact(state, arena.allocateFrom(path.toString()), mode & 07777);
      if (r != 0) {
        throw failure("chmod", path, errno(state));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Sets access and modification time to the same instant, without following a symlink.
   *
   * @param path the file
   * @param seconds seconds since the epoch
   * @param nanos nanoseconds within the second
   * @throws IOException when the call fails
   */
  public static void setTimes(Path path, long seconds, int nanos) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
      times.setAtIndex(ValueLayout.JAVA_LONG, 0, seconds);
      times.setAtIndex(ValueLayout.JAVA_LONG, 1, nanos);
      times.setAtIndex(ValueLayout.JAVA_LONG, 2, seconds);
      times.setAtIndex(ValueLayout.JAVA_LONG, 3, nanos);
      int r =
          (int)
              Utimensat.H.invokeExact(
                  state, AT_FDCWD, arena.allocateFrom(path.toString()), times, AT_SYMLINK_NOFOLLOW);
      if (r != 0) {
        throw failure("utimensat", path, errno(state));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Returns the major number of a Linux {@code dev_t}.
   *
   * @param dev the device number, as {@code unix:rdev} gives it
   * @return the major number
   */
  public static long major(long dev) {
    return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
  }

  /**
   * Returns the minor number of a Linux {@code dev_t}.
   *
   * @param dev the device number
   * @return the minor number
   */
  public static long minor(long dev) {
    return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
  }

  private static long makedev(long major, long minor) {
    return ((major & 0xfff) << 8)
        | ((major & ~0xfffL) << 32)
        | (minor & 0xff)
        | ((minor & ~0xffL) << 12);
  }
}
