package dev.kiln.registry.internal;

import dev.kiln.store.ChannelOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * A {@link StorageDriver} on a local directory. Small writes go to a temp file beside the target,
 * are forced to disk and renamed over it; appends are forced once, when {@link #move} publishes
 * them. The storage lock is an
 * {@code fcntl} lock on {@code <root>/lock} (so {@code kiln registry gc} in another process is
 * excluded too) plus an in-process read/write lock shared by every driver on the same root, because
 * one JVM cannot hold overlapping file locks (an embedded server and a collector in one process).
 */
public final class FileStorageDriver implements StorageDriver {
  // Mutable: one lock state per storage root in this JVM.
  private static final java.util.Map<Path, LockState> LOCKS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Path root;
  private final LockState locks;

  /** The in-process half of the storage lock of one root. */
  private static final class LockState {
    final ReentrantReadWriteLock local = new ReentrantReadWriteLock();
    // Guarded by this: the shared file lock held while any in-process shared holder exists.
    int sharedHolders;
    FileLock sharedFileLock;
    FileChannel sharedChannel;
  }

  /**
   * Uses a directory, creating it when absent.
   *
   * @param root the directory
   * @throws IOException when it cannot be created
   */
  public FileStorageDriver(Path root) throws IOException {
    this.root = Files.createDirectories(Objects.requireNonNull(root, "root")).toRealPath();
    this.locks = LOCKS.computeIfAbsent(this.root, r -> new LockState());
  }

  /**
   * The directory this driver stores under.
   *
   * @return the root
   */
  public Path root() {
    return root;
  }

  private Path resolve(String path) {
    if (path.startsWith("/") || path.contains("..") || path.contains("\\")) {
      throw new IllegalArgumentException("storage path escapes the root: " + path);
    }
    return path.isEmpty() ? root : root.resolve(path);
  }

  @Override
  public Optional<byte[]> read(String path, int cap) throws IOException {
    Path file = resolve(path);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(cap + 1);
      if (bytes.length > cap) {
        throw new IOException(path + ": larger than " + cap + " bytes");
      }
      return Optional.of(bytes);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void write(String path, byte[] bytes) throws IOException {
    Path file = resolve(path);
    Files.createDirectories(file.getParent());
    Path temp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  @Override
  public Optional<FileChannel> channel(String path, long offset) throws IOException {
    try {
      FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.READ);
      ch.position(offset);
      return Optional.of(ch);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  // The stream starts the kernel writing back every 32 MiB, so the one fsync at publish finds
  // little left to write: a 500 MiB upload's final fdatasync took 0.8 s when all of it was still
  // dirty, during which the client waited for its 201.
  @Override
  public OutputStream append(String path) throws IOException {
    Path file = resolve(path);
    Files.createDirectories(file.getParent());
    return new ChannelOutput(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND));
  }

  @Override
  public void truncate(String path, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.WRITE)) {
      ch.truncate(size);
      ch.force(false);
    }
  }

  @Override
  public Optional<Stat> stat(String path) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(resolve(path), BasicFileAttributes.class);
      return Optional.of(new Stat(a.size(), a.lastModifiedTime().toInstant(), a.isDirectory()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void touch(String path) throws IOException {
    Files.setLastModifiedTime(resolve(path), FileTime.fromMillis(System.currentTimeMillis()));
  }

  @Override
  public List<String> list(String path) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> children = Files.list(resolve(path))) {
      children.forEach(p -> names.add(p.getFileName().toString()));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    names.sort(null);
    return names;
  }

  @Override
  public void move(String from, String to) throws IOException {
    Path source = resolve(from);
    Path target = resolve(to);
    Files.createDirectories(target.getParent());
    try {
      if (Files.exists(target)) {
        Files.delete(source);
        return;
      }
      // The one fsync of an upload: its bytes are on disk before a name in the CAS points at them.
      try (FileChannel ch = FileChannel.open(source, StandardOpenOption.WRITE)) {
        ch.force(false);
      }
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      Files.deleteIfExists(source);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("storage " + root + " cannot rename atomically: " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String path) throws IOException {
    Path start = resolve(path);
    if (!Files.exists(start)) {
      return;
    }
    Files.walkFileTree(start, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
          // a concurrent write landed here after the walk: the newer content stays
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  @Override
  public long usage(String path) throws IOException {
    Path start = resolve(path);
    if (!Files.exists(start)) {
      return 0;
    }
    long[] total = {0};
    Files.walkFileTree(start, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        total[0] += attrs.size();
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        return FileVisitResult.CONTINUE;
      }
    });
    return total[0];
  }

  @Override
  public Lock lock(boolean exclusive) throws IOException {
    Path file = root.resolve("lock");
    ReentrantReadWriteLock local = locks.local;
    if (exclusive) {
      local.writeLock().lock();
      try {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = ch.lock(0, Long.MAX_VALUE, false);
        return () -> {
          try {
            held.release();
            ch.close();
          } finally {
            local.writeLock().unlock();
          }
        };
      } catch (IOException | RuntimeException e) {
        local.writeLock().unlock();
        throw e;
      }
    }
    local.readLock().lock();
    try {
      synchronized (locks) {
        if (locks.sharedHolders == 0) {
          locks.sharedChannel = FileChannel.open(file, StandardOpenOption.CREATE,
              StandardOpenOption.READ, StandardOpenOption.WRITE);
          locks.sharedFileLock = locks.sharedChannel.lock(0, Long.MAX_VALUE, true);
        }
        locks.sharedHolders++;
      }
    } catch (IOException | RuntimeException e) {
      local.readLock().unlock();
      throw e;
    }
    return () -> {
      try {
        synchronized (locks) {
          if (--locks.sharedHolders == 0) {
            locks.sharedFileLock.release();
            locks.sharedChannel.close();
          }
        }
      } finally {
        local.readLock().unlock();
      }
    };
  }
}
