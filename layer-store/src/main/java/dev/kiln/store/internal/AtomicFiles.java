package dev.kiln.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Write, fsync, rename: a reader sees the old file or the new one, never a partial one. */
public final class AtomicFiles {
  private static final ConcurrentHashMap<Path, DirSync> SYNCS = new ConcurrentHashMap<>();

  private AtomicFiles() {}

  /**
   * Replaces a small file atomically: temp file beside it, fsync, rename, fsync the directory.
   *
   * @param target the file to write
   * @param bytes its new content
   * @throws IOException when writing fails; the old file is then unchanged
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Renames a file over a target atomically and makes the rename durable.
   *
   * @param source an fsynced file on the same file system
   * @param target where it goes; replaced if present
   * @throws IOException when the rename fails
   */
  public static void move(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + source + " to " + target
          + " atomically: they must be on one file system", e);
    }
    syncDirectory(target.getParent());
  }

  /**
   * Flushes a directory's entries to disk, so a rename into it survives a crash. Concurrent callers
   * share syncs (group commit): a caller returns once a sync that started after its call has
   * finished, so parallel blob writes into one directory cost a few fsyncs instead of one each.
   *
   * @param dir the directory
   * @throws IOException when it cannot be opened
   */
  public static void syncDirectory(Path dir) throws IOException {
    DirSync sync = SYNCS.computeIfAbsent(dir.toAbsolutePath().normalize(), _ -> new DirSync());
    long ticket;
    sync.lock.lock();
    try {
      ticket = ++sync.requested;
      while (sync.done < ticket) {
        if (!sync.running) {
          sync.running = true;
          long covers = sync.requested;
          sync.lock.unlock();
          try {
            forceDirectory(dir);
          } finally {
            sync.lock.lock();
            sync.running = false;
            sync.done = Math.max(sync.done, covers);
            sync.finished.signalAll();
          }
        } else {
          sync.finished.awaitUninterruptibly();
        }
      }
    } finally {
      sync.lock.unlock();
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse fsync on directories; the rename is still atomic there.
    }
  }

  /** Group-commit state of one directory: tickets handed out and covered by finished syncs. */
  private static final class DirSync {
    final ReentrantLock lock = new ReentrantLock();
    final Condition finished = lock.newCondition();
    long requested;
    long done;
    boolean running;
  }
}
