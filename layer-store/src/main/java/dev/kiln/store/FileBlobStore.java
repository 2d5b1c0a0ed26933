package dev.kiln.store;

import dev.kiln.oci.BlobUnknownException;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.DigestingOutputStream;
import dev.kiln.oci.SizeMismatchException;
import dev.kiln.store.internal.AtomicFiles;
import dev.kiln.store.internal.FileLocks;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A blob store on the file system, in the OCI image layout's shape:
 *
 * <pre>
 * ROOT/
 *   blobs/sha256/&lt;hex&gt;   committed blobs, named by digest
 *   blobs/sha512/&lt;hex&gt;
 *   tmp/blob-&lt;uuid&gt;      blobs being written (same file system, so the commit is a rename)
 *   gc.lock               shared while a blob is committed, exclusive while garbage is swept
 * </pre>
 *
 * A write streams into a temp file while hashing, fsyncs it, checks the expected digest and size,
 * then renames it to its digest's path. Two writers of the same digest both succeed; the content is
 * identical, so whichever rename lands last changes nothing. Committing a blob that already exists
 * refreshes its modification time so a concurrent collection's grace period protects it.
 * Thread-safe.
 */
public final class FileBlobStore implements BlobStore {
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(120);

  private final Path root;

  /**
   * Opens (creating when missing) a blob store.
   *
   * @param root the store root; blobs go under {@code root/blobs}
   * @throws IOException when the directories cannot be created
   */
  public FileBlobStore(Path root) throws IOException {
    this.root = Objects.requireNonNull(root, "root");
    Files.createDirectories(root.resolve("blobs").resolve(Digest.SHA256));
    Files.createDirectories(root.resolve("tmp"));
  }

  /** Returns the store root. */
  public Path root() {
    return root;
  }

  /**
   * Returns where a blob lives (whether or not it is present).
   *
   * @param digest the digest
   * @return {@code root/blobs/<algorithm>/<encoded>}
   */
  public Path path(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded());
  }

  /** Returns the lock file shared by committers and taken exclusively by garbage collection. */
  Path gcLock() {
    return root.resolve("gc.lock");
  }

  /** Returns the directory temp files are written in. */
  Path tmpDir() {
    return root.resolve("tmp");
  }

  @Override
  public BlobWriter openWriter(String algorithm) throws IOException {
    Path tmp = tmpDir().resolve("blob-" + UUID.randomUUID());
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new FileBlobWriter(tmp, ch, algorithm);
  }

  @Override
  public Optional<Long> size(Digest digest) throws IOException {
    try {
      return Optional.of(Files.size(path(digest)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public InputStream open(Digest digest) throws IOException {
    Path blob = path(digest);
    try {
      // a FileInputStream, not Files.newInputStream: its channel lets LayerApplier read an
      // uncompressed layer from the file twice at once (applying and hashing side by side)
      return new FileInputStream(blob.toFile());
    } catch (FileNotFoundException e) {
      if (Files.notExists(blob, LinkOption.NOFOLLOW_LINKS)) {
        throw new BlobUnknownException(digest, "store " + root);
      }
      throw e;
    }
  }

  @Override
  public boolean delete(Digest digest) throws IOException {
    return Files.deleteIfExists(path(digest));
  }

  @Override
  public List<Digest> digests() throws IOException {
    List<Digest> out = new ArrayList<>();
    Path blobs = root.resolve("blobs");
    for (String algorithm : List.of(Digest.SHA256, Digest.SHA512)) {
      Path dir = blobs.resolve(algorithm);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          String name = p.getFileName().toString();
          // Foreign files (other tools' temp files) are not blobs.
          if (Digest.isValid(algorithm + ":" + name)) {
            out.add(new Digest(algorithm, name));
          }
        }
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Moves a committed blob of another file store on the same file system into this one by rename;
   * copies (verifying) when the rename is impossible. The source loses the blob.
   *
   * @param source the other store
   * @param descriptor the blob
   * @return the descriptor
   * @throws IOException when the blob cannot be moved or copied
   */
  public Descriptor transferFrom(FileBlobStore source, Descriptor descriptor) throws IOException {
    Digest digest = descriptor.digest();
    Path target = path(digest);
    Files.createDirectories(target.getParent());
    try (var _ = FileLocks.shared(gcLock(), LOCK_TIMEOUT)) {
      if (Files.exists(target)) {
        Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis()));
        return descriptor;
      }
      try {
        Files.setLastModifiedTime(source.path(digest), FileTime.fromMillis(System.currentTimeMillis()));
        AtomicFiles.move(source.path(digest), target);
        return descriptor;
      } catch (IOException e) {
        // Different file systems: fall through to a verified copy.
      }
    }
    try (InputStream in = source.open(digest)) {
      return put(in, descriptor);
    }
  }

  // SYNCED: whether tmp's content already reached the disk. A writer whose blob existed when it
  // finished skips that fsync; should the blob be gone by now (collected), it is done here.
  private void publish(Path tmp, Digest digest, boolean synced) throws IOException {
    Path target = path(digest);
    Files.createDirectories(target.getParent());
    try (var _ = FileLocks.shared(gcLock(), LOCK_TIMEOUT)) {
      if (Files.exists(target)) {
        // Content addressing: the same digest is the same content. Refresh the time so a
        // collection that is sweeping right now treats the blob as new.
        Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis()));
        Files.delete(tmp);
      } else {
        if (!synced) {
          try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
          }
        }
        AtomicFiles.move(tmp, target);
      }
    }
  }

  private final class FileBlobWriter extends BlobWriter {
    private final Path tmp;
    private final FileChannel channel;
    private final ChannelOutput file;
    private final DigestingOutputStream out;
    private boolean done;
    private boolean synced;

    FileBlobWriter(Path tmp, FileChannel channel, String algorithm) {
      this.tmp = tmp;
      this.channel = channel;
      this.file = new ChannelOutput(channel);
      this.out = new DigestingOutputStream(file, algorithm);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public long count() {
      return out.count();
    }

    private Digest finish() throws IOException {
      if (done) {
        throw new IllegalStateException("blob writer already committed or closed");
      }
      done = true;
      Digest digest;
      try {
        out.flush();
        digest = out.digest();
        // Storing what is already stored (a rebuilt config, a re-pulled layer) costs no fsync.
        synced = !Files.exists(path(digest));
        if (synced) {
          file.sync();
        }
      } finally {
        file.close();
      }
      return digest;
    }

    @Override
    public Descriptor commit(String mediaType) throws IOException {
      try {
        Digest digest = finish();
        publish(tmp, digest, synced);
        return Descriptor.of(mediaType, digest, out.count());
      } finally {
        Files.deleteIfExists(tmp);
      }
    }

    @Override
    public Descriptor commit(Descriptor expected) throws IOException {
      try {
        Digest digest = finish();
        String what = "blob " + expected.digest();
        if (expected.size() >= 0 && out.count() != expected.size()) {
          throw new SizeMismatchException(what, expected.size(), out.count(), false);
        }
        if (!digest.equals(expected.digest())) {
          throw new DigestMismatchException(what, expected.digest(), digest);
        }
        publish(tmp, digest, synced);
        return expected;
      } finally {
        Files.deleteIfExists(tmp);
      }
    }

    @Override
    public void close() throws IOException {
      if (!done) {
        done = true;
        try {
          channel.close();
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
    }
  }
}
