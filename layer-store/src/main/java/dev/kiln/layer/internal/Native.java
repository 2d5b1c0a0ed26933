package dev.kiln.layer.internal;

import dev.kiln.store.internal.Downcalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls the JDK does not offer without following symlinks or at all: extended
 * attributes of every namespace (the JDK's view only reaches {@code user.*}, and layers carry
 * {@code security.capability} and {@code trusted.overlay.*}), mknod, lchown, utimensat with
 * AT_SYMLINK_NOFOLLOW, chmod with the setuid/setgid/sticky bits, and lseek (SEEK_DATA/SEEK_HOLE)
 * and ftruncate for files with holes. Linux only, through the FFM API.
 * Thread-safe: each thread reuses native buffers of its own.
 */
@SuppressWarnings("restricted") // the calls are few, checked and Linux-only; see the class comment
public final class Native {
  private Native() {}

  private static final Linker LINKER = Linker.nativeLinker();
  private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
  private static final ValueLayout ADDR = ValueLayout.ADDRESS;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

  // One holder per call, linked on first use (the applier never lists xattrs, the writer never
  // calls mknod). All but read and write share one downcall shape (Downcalls says why).
  private static final class Llistxattr {
    static final MethodHandle H = Downcalls.libc("llistxattr");
  }

  private static final class Lgetxattr {
    static final MethodHandle H = Downcalls.libc("lgetxattr");
  }

  private static final class Lsetxattr {
    static final MethodHandle H = Downcalls.libc("lsetxattr");
  }

  private static final class Mknod {
    static final MethodHandle H = Downcalls.libc("mknod");
  }

  private static final class Lchown {
    static final MethodHandle H = Downcalls.libc("lchown");
  }

  private static final class Chmod {
    static final MethodHandle H = Downcalls.libc("chmod");
  }

  private static final class Utimensat {
    static final MethodHandle H = Downcalls.libc("utimensat");
  }

  private static final class Statx {
    static final MethodHandle H = Downcalls.libc("statx");
  }

  private static final class Open {
    static final MethodHandle H = Downcalls.libc("open");
  }

  /** read and write: critical, so the bytes go straight from and to a Java array, without a copy. */
  private static final class ReadWrite {
    private static final FunctionDescriptor SHAPE = FunctionDescriptor.of(SIZE_T, INT, ADDR, SIZE_T);
    static final MethodHandle READ = LINKER.downcallHandle(
        LINKER.defaultLookup().find("read").orElseThrow(), SHAPE, Linker.Option.critical(true));
    static final MethodHandle WRITE = LINKER.downcallHandle(
        LINKER.defaultLookup().find("write").orElseThrow(), SHAPE, Linker.Option.critical(true));
  }

  /**
   * Links read and write now, on a thread of its own. The JDK spins a class for each call shape it
   * links (tens of milliseconds each at start-up): started first, this one overlaps with the
   * caller linking the other shape, instead of adding to it before the first file is written.
   */
  static void linkReadWriteAhead() {
    Thread t = new Thread(ReadWrite.WRITE::type, "kiln-link");
    t.setDaemon(true);
    t.start();
  }

  private static final class Futimens {
    static final MethodHandle H = Downcalls.libc("futimens");
  }

  private static final class Lseek {
    static final MethodHandle H = Downcalls.libc("lseek");
  }

  private static final class Ftruncate {
    static final MethodHandle H = Downcalls.libc("ftruncate");
  }

  private static final class Close {
    static final MethodHandle H = Downcalls.libc("close");
  }

  private static final class Setpriority {
    static final MethodHandle H = Downcalls.libc("setpriority");
  }

  private static final int ENOENT = 2;
  private static final int EEXIST = 17;
  private static final int ENODATA = 61;
  private static final int ERANGE = 34;
  private static final int ENOTSUP = 95;
  private static final int ENXIO = 6;
  private static final int SEEK_SET = 0;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;
  /** The largest xattr list and value Linux allows (XATTR_LIST_MAX, XATTR_SIZE_MAX). */
  private static final int XATTR_MAX = 64 * 1024;

  /** File type bits of a character device, for {@link #mknod}. */
  public static final int S_IFCHR = 0020000;
  /** File type bits of a block device. */
  public static final int S_IFBLK = 0060000;
  /** File type bits of a FIFO. */
  public static final int S_IFIFO = 0010000;

  /**
   * Native memory each thread reuses for its calls (errno, path and name strings, struct statx,
   * xattr lists and values, times), so a call allocates nothing: these calls run once or more per
   * layer entry. Freed with the thread.
   */
  private static final class Scratch {
    final Arena arena = Arena.ofAuto();
    final MemorySegment state = arena.allocate(Downcalls.CAPTURE);
    final MemorySegment statx = arena.allocate(256, 8);
    final MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
    final MemorySegment buffer = arena.allocate(XATTR_MAX);
    MemorySegment path = arena.allocate(4096);
    MemorySegment name = arena.allocate(256);

    /** Copies a path as a NUL-terminated UTF-8 string into {@link #path}. */
    MemorySegment path(Path p) {
      path = fill(path, p.toString());
      return path;
    }

    MemorySegment name(String n) {
      name = fill(name, n);
      return name;
    }

    private MemorySegment fill(MemorySegment seg, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length + 1 > seg.byteSize()) {
        seg = arena.allocate(Math.max(b.length + 1, seg.byteSize() * 2));
      }
      MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
      seg.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
      return seg;
    }

    int errno() {
      return Downcalls.errno(state);
    }

    MemorySegment times(long seconds, int nanos) {
      times.setAtIndex(ValueLayout.JAVA_LONG, 0, seconds);
      times.setAtIndex(ValueLayout.JAVA_LONG, 1, nanos);
      times.setAtIndex(ValueLayout.JAVA_LONG, 2, seconds);
      times.setAtIndex(ValueLayout.JAVA_LONG, 3, nanos);
      return times;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static IOException failure(String call, Path path, int errno) {
    if (errno == ENOENT) {
      return new NoSuchFileException(path.toString(), null, call + ": no such file or directory");
    }
    if (errno == EEXIST) {
      return new FileAlreadyExistsException(path.toString(), null, call + ": file exists");
    }
    return new IOException(call + " " + path + ": errno " + errno + " (" + describe(errno) + ")");
  }

  private static String describe(int errno) {
    return switch (errno) {
      case 1 -> "operation not permitted";
      case 2 -> "no such file or directory";
      case 13 -> "permission denied";
      case 17 -> "file exists";
      case 20 -> "not a directory";
      case 22 -> "invalid argument";
      case 28 -> "no space left on device";
      case 40 -> "too many levels of symbolic links";
      case 95 -> "operation not supported";
      default -> "see errno(3)";
    };
  }

  private static IllegalStateException unexpected(Throwable t) {
    return new IllegalStateException(t);
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
   * Reads a file's attributes without following a symlink (statx, whose struct is the same on
   * every architecture).
   *
   * @param path the file
   * @return its attributes
   * @throws NoSuchFileException when it does not exist
   * @throws IOException when the call fails otherwise
   */
  static FileAttrs lstat(Path path) throws IOException {
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Statx.H, s.state, AT_FDCWD, s.path(path).address(),
        AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, s.statx.address());
    if (r != 0) {
      throw failure("statx", path, s.errno());
    }
    MemorySegment x = s.statx;
    return new FileAttrs(
        x.get(ValueLayout.JAVA_SHORT, 28) & 0xffff,
        x.get(ValueLayout.JAVA_INT, 20),
        x.get(ValueLayout.JAVA_INT, 24),
        x.get(ValueLayout.JAVA_LONG, 32),
        makedev(x.get(ValueLayout.JAVA_INT, 136) & 0xffffffffL, x.get(ValueLayout.JAVA_INT, 140) & 0xffffffffL),
        makedev(x.get(ValueLayout.JAVA_INT, 128) & 0xffffffffL, x.get(ValueLayout.JAVA_INT, 132) & 0xffffffffL),
        x.get(ValueLayout.JAVA_INT, 16),
        x.get(ValueLayout.JAVA_LONG, 40),
        x.get(ValueLayout.JAVA_LONG, 112),
        x.get(ValueLayout.JAVA_INT, 120),
        x.get(ValueLayout.JAVA_LONG, 48));
  }

  /**
   * Lists the names of a file's extended attributes, without following a symlink.
   *
   * @param path the file
   * @return the names in the order the kernel gives them; empty where the file system has none
   * @throws IOException when the call fails
   */
  public static List<String> listXattrs(Path path) throws IOException {
    Scratch s = SCRATCH.get();
    // one call: the buffer holds the largest list Linux allows
    long got = Downcalls.call(Llistxattr.H, s.state, s.path(path).address(), s.buffer.address(),
        XATTR_MAX);
    if (got < 0) {
      if (s.errno() == ENOTSUP) {
        return List.of();
      }
      throw failure("llistxattr", path, s.errno());
    }
    if (got == 0) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    byte[] bytes = s.buffer.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
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

  /**
   * Reads one extended attribute, without following a symlink.
   *
   * @param path the file
   * @param name the attribute's full name, e.g. {@code security.capability}
   * @return its value, or {@code null} when the file has no such attribute
   * @throws IOException when the call fails
   */
  public static byte[] getXattr(Path path, String name) throws IOException {
    Scratch s = SCRATCH.get();
    long got = Downcalls.call(Lgetxattr.H, s.state, s.path(path).address(), s.name(name).address(),
        s.buffer.address(), XATTR_MAX, 0);
    if (got < 0) {
      if (s.errno() == ENODATA) {
        return null;
      }
      throw failure("lgetxattr " + name, path, s.errno());
    }
    return s.buffer.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
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
    if (value.length > XATTR_MAX) {
      throw new IOException("lsetxattr " + name + " " + path + ": value of " + value.length
          + " bytes (limit " + XATTR_MAX + ")");
    }
    Scratch s = SCRATCH.get();
    MemorySegment.copy(value, 0, s.buffer, ValueLayout.JAVA_BYTE, 0, value.length);
    int r = (int) Downcalls.call(Lsetxattr.H, s.state, s.path(path).address(),
        s.name(name).address(), s.buffer.address(), value.length, 0);
    if (r != 0) {
      throw failure("lsetxattr " + name, path, s.errno());
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
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Mknod.H, s.state, s.path(path).address(), mode,
        makedev(major, minor));
    if (r != 0) {
      throw failure("mknod", path, s.errno());
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
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Lchown.H, s.state, s.path(path).address(), uid, gid);
    if (r != 0) {
      throw failure("lchown", path, s.errno());
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
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Chmod.H, s.state, s.path(path).address(), mode & 07777, 0);
    if (r != 0) {
      throw failure("chmod", path, s.errno());
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
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Utimensat.H, s.state, AT_FDCWD, s.path(path).address(),
        s.times(seconds, nanos).address(), AT_SYMLINK_NOFOLLOW, 0);
    if (r != 0) {
      throw failure("utimensat", path, s.errno());
    }
  }

  /**
   * Creates a regular file that must not exist yet (O_CREAT|O_EXCL, so a symlink in its place is
   * never followed) and opens it for writing.
   *
   * @param path the file
   * @param mode the permission bits it is created with (less the umask)
   * @return the file descriptor; close it with {@link #close}
   * @throws FileAlreadyExistsException when something is there already
   * @throws IOException when the call fails otherwise
   */
  static int createFile(Path path, int mode) throws IOException {
    Scratch s = SCRATCH.get();
    int fd = (int) Downcalls.call(Open.H, s.state, s.path(path).address(),
        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
    if (fd < 0) {
      throw failure("open", path, s.errno());
    }
    return fd;
  }

  /**
   * Opens a file for reading, refusing a symlink in its place (O_NOFOLLOW).
   *
   * @param path the file
   * @return the file descriptor; close it with {@link #close}
   * @throws IOException when the call fails
   */
  static int openForReading(Path path) throws IOException {
    Scratch s = SCRATCH.get();
    int fd = (int) Downcalls.call(Open.H, s.state, s.path(path).address(),
        O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      throw failure("open", path, s.errno());
    }
    return fd;
  }

  /**
   * Reads up to {@code len} bytes from a file descriptor straight into an array.
   *
   * @return how many were read, 0 at the end of the file
   * @throws IOException when the read fails
   */
  static int read(int fd, Path path, byte[] b, int off, int len) throws IOException {
    long n;
    try {
      n = (long) ReadWrite.READ.invokeExact(fd, MemorySegment.ofArray(b).asSlice(off, len), (long) len);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    if (n < 0) {
      throw new IOException("read " + path + ": failed (I/O error?)");
    }
    return (int) n;
  }

  /**
   * Writes all of {@code b[off, off + len)} to a file descriptor.
   *
   * @throws IOException when a write fails
   */
  static void write(int fd, Path path, byte[] b, int off, int len) throws IOException {
    write(fd, path, MemorySegment.ofArray(b).asSlice(off, len));
  }

  /**
   * Writes all of a memory segment (of the heap or not, such as a mapped file) to a file
   * descriptor.
   *
   * @throws IOException when a write fails
   */
  static void write(int fd, Path path, MemorySegment bytes) throws IOException {
    long off = 0;
    long len = bytes.byteSize();
    while (len > 0) {
      long n;
      try {
        n = (long) ReadWrite.WRITE.invokeExact(fd, bytes.asSlice(off, len), len);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (n < 0) {
        // critical calls capture no errno: the common causes, as a plain message
        throw new IOException("write " + path + ": failed (disk full or I/O error?)");
      }
      off += n;
      len -= n;
    }
  }

  /**
   * Sets a file descriptor's access and modification time to the same instant.
   *
   * @throws IOException when the call fails
   */
  static void setTimes(int fd, Path path, long seconds, int nanos) throws IOException {
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Futimens.H, s.state, fd, s.times(seconds, nanos).address(), 0);
    if (r != 0) {
      throw failure("futimens", path, s.errno());
    }
  }

  /**
   * Moves a file descriptor's offset to an absolute position.
   *
   * @throws IOException when the call fails
   */
  static void seek(int fd, Path path, long offset) throws IOException {
    if (lseek(fd, offset, SEEK_SET) < 0) {
      throw failure("lseek", path, SCRATCH.get().errno());
    }
  }

  /**
   * Returns where the next data at or after {@code offset} starts (SEEK_DATA), or -1 when only a
   * hole follows up to the end of the file. A file system without hole support reports the whole
   * file as data.
   *
   * @throws IOException when the call fails otherwise
   */
  static long nextData(int fd, Path path, long offset) throws IOException {
    long r = lseek(fd, offset, SEEK_DATA);
    if (r < 0) {
      int errno = SCRATCH.get().errno();
      if (errno == ENXIO) {
        return -1;
      }
      throw failure("lseek SEEK_DATA", path, errno);
    }
    return r;
  }

  /**
   * Returns where the next hole at or after {@code offset} starts (SEEK_HOLE); the end of the file
   * counts as a hole.
   *
   * @throws IOException when the call fails
   */
  static long nextHole(int fd, Path path, long offset) throws IOException {
    long r = lseek(fd, offset, SEEK_HOLE);
    if (r < 0) {
      throw failure("lseek SEEK_HOLE", path, SCRATCH.get().errno());
    }
    return r;
  }

  private static long lseek(int fd, long offset, int whence) {
    return Downcalls.call(Lseek.H, SCRATCH.get().state, fd, offset, whence);
  }

  /**
   * Sets a file's size: growing it adds a hole, which allocates no disk blocks.
   *
   * @throws IOException when the call fails
   */
  static void truncate(int fd, Path path, long size) throws IOException {
    Scratch s = SCRATCH.get();
    int r = (int) Downcalls.call(Ftruncate.H, s.state, fd, size, 0);
    if (r != 0) {
      throw failure("ftruncate", path, s.errno());
    }
  }

  /**
   * Lowers the calling thread's scheduling priority (on Linux the nice value belongs to a thread,
   * not the process): for work that has time to spare beside a thread that bounds the whole, so
   * that on a busy machine the scheduler gives the cores to the latter first. Best effort: a
   * failure changes nothing.
   *
   * @param nice the nice value, 1 to 19
   */
  static void lowerThisThreadsPriority(int nice) {
    Scratch s = SCRATCH.get();
    Downcalls.call(Setpriority.H, s.state, 0 /* PRIO_PROCESS: with 0, this thread */, 0, nice);
  }

  /**
   * Closes a file descriptor.
   *
   * @throws IOException when the close reports an error (for a written file: data may be lost)
   */
  static void close(int fd, Path path) throws IOException {
    int r = (int) Downcalls.call(Close.H, SCRATCH.get().state, fd, 0, 0);
    if (r != 0) {
      throw new IOException("close " + path + ": failed (disk full or I/O error?)");
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
