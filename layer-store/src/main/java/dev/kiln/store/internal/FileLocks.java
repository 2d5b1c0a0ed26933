package dev.kiln.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Shared/exclusive locks on a lock file that hold both between threads of this JVM and between
 * processes. A JVM may hold only one {@link FileLock} per file ({@code OverlappingFileLockException}
 * otherwise), so threads first take an in-JVM read-write lock and the shared file lock is
 * reference-counted across the threads holding it.
 */
public final class FileLocks {
  private FileLocks() {}

  private static final ConcurrentHashMap<Path, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static final long POLL_MILLIS = 20;

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  private static final class Entry {
    final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    // Guarded by this: the shared file lock and how many threads of this JVM hold it.
    FileChannel channel;
    FileLock lock;
    int sharedHolders;
  }

  /**
   * Takes the lock shared (many holders, no exclusive holder).
   *
   * @param file the lock file; created when missing
   * @param timeout how long to wait
   * @return the held lock
   * @throws IOException when the file cannot be opened, or the wait timed out ("busy")
   */
  public static Held shared(Path file, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Entry e = ENTRIES.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Entry());
    acquire(e.rw.readLock(), file, timeout);
    try {
      synchronized (e) {
        if (e.sharedHolders == 0) {
          FileChannel ch = open(file);
          try {
            e.lock = poll(ch, true, deadline, file);
          } catch (IOException | RuntimeException ex) {
            ch.close();
            throw ex;
          }
          e.channel = ch;
        }
        e.sharedHolders++;
      }
    } catch (IOException | RuntimeException ex) {
      e.rw.readLock().unlock();
      throw ex;
    }
    return () -> {
      synchronized (e) {
        if (--e.sharedHolders == 0) {
          try {
            e.lock.release();
          } finally {
            e.channel.close();
            e.lock = null;
            e.channel = null;
          }
        }
      }
      e.rw.readLock().unlock();
    };
  }

  /**
   * Takes the lock exclusively.
   *
   * @param file the lock file; created when missing
   * @param timeout how long to wait
   * @return the held lock
   * @throws IOException when the file cannot be opened, or the wait timed out ("busy")
   */
  public static Held exclusive(Path file, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Entry e = ENTRIES.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Entry());
    acquire(e.rw.writeLock(), file, timeout);
    FileChannel ch;
    FileLock lock;
    try {
      ch = open(file);
      try {
        lock = poll(ch, false, deadline, file);
      } catch (IOException | RuntimeException ex) {
        ch.close();
        throw ex;
      }
    } catch (IOException | RuntimeException ex) {
      e.rw.writeLock().unlock();
      throw ex;
    }
    return () -> {
      try {
        lock.release();
      } finally {
        ch.close();
        e.rw.writeLock().unlock();
      }
    };
  }

  private static void acquire(java.util.concurrent.locks.Lock lock, Path file, Duration timeout)
      throws IOException {
    try {
      if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw busy(file, timeout);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for lock " + file);
    }
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  // FileChannel.lock() cannot time out, so poll tryLock until the deadline.
  private static FileLock poll(FileChannel ch, boolean shared, long deadline, Path file)
      throws IOException {
    while (true) {
      FileLock l = ch.tryLock(0, Long.MAX_VALUE, shared);
      if (l != null) {
        return l;
      }
      if (System.nanoTime() > deadline) {
        throw busy(file, Duration.ZERO);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted waiting for lock " + file);
      }
    }
  }

  private static IOException busy(Path file, Duration waited) {
    return new IOException("store is busy: lock " + file + " is held by another kiln process"
        + (waited.isZero() ? "" : " (waited " + waited.toSeconds() + " s)"));
  }
}
