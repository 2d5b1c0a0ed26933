package dev.kiln.build.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kiln.buildfile.IgnorePatterns;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeMap;

/**
 * A build context: its files after the ignore file, listed once, and their content digests,
 * computed on demand and remembered across builds in {@code build-cache/context/<path-digest>.json}
 * keyed by size, mtime and inode, so a file that did not change is not read again.
 * Thread-safe: the listing is immutable and the digest memo is concurrent.
 */
public final class ContextFiles {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path root;
  private final NavigableMap<String, BasicFileAttributes> entries;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Stat> stats = new ConcurrentHashMap<>();
  private volatile boolean hashed;
  private final Path indexFile;

  private record Known(long size, long mtimeNanos, long inode, Digest digest) {}

  /**
   * Lists a context.
   *
   * @param root the context directory
   * @param ignore the ignore file's patterns
   * @param cacheDir the build cache's directory (the digest index lives under it)
   * @throws IOException when the context cannot be read
   */
  public ContextFiles(Path root, IgnorePatterns ignore, Path cacheDir) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.indexFile = cacheDir.resolve("context")
        .resolve(Digests.sha256(this.root.toString().getBytes(StandardCharsets.UTF_8)).encoded() + ".json");
    NavigableMap<String, BasicFileAttributes> found = new TreeMap<>();
    Files.walkFileTree(this.root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        String rel = relative(dir);
        if (rel.isEmpty()) {
          return FileVisitResult.CONTINUE;
        }
        if (ignore.matches(rel)) {
          return ignore.canPrune(rel) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }
        found.put(rel, attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        String rel = relative(file);
        if (!ignore.matches(rel)) {
          found.put(rel, attrs);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    this.entries = java.util.Collections.unmodifiableNavigableMap(found);
    if (Files.isRegularFile(indexFile)) {
      for (JsonNode n : JSON.readTree(indexFile.toFile())) {
        known.put(n.path("p").asText(), new Known(n.path("s").asLong(), n.path("m").asLong(), n.path("i").asLong(),
            Digest.parse(n.path("d").asText())));
      }
    }
  }

  private String relative(Path p) {
    return root.relativize(p).toString();
  }

  /** Returns the context directory. */
  public Path root() {
    return root;
  }

  /** Every path in the context after the ignore file (relative, sorted), with its attributes. */
  public NavigableMap<String, BasicFileAttributes> entries() {
    return entries;
  }

  /**
   * Returns the content digest of a regular file of the context, reading it only when its size,
   * mtime or inode differ from when it was last hashed.
   */
  public Digest digest(String rel) throws IOException {
    Stat st = stat(rel);
    Known k = known.get(rel);
    if (k != null && k.size() == st.size() && k.mtimeNanos() == st.mtimeNanos() && k.inode() == st.inode()) {
      return k.digest();
    }
    Digest d;
    try (InputStream in = Files.newInputStream(root.resolve(rel))) {
      d = Digests.of(Digest.SHA256, in);
    }
    known.put(rel, new Known(st.size(), st.mtimeNanos(), st.inode(), d));
    hashed = true;
    return d;
  }

  /** A context file's mode bits (file type included), size, mtime and inode, from one lstat. */
  public record Stat(int mode, long size, long mtimeNanos, long inode) {}

  /**
   * Returns a context path's {@link Stat}, read once per build: a cache key needs the mode and the
   * digest index the rest, and a context has thousands of files.
   */
  public Stat stat(String rel) throws IOException {
    Stat st = stats.get(rel);
    if (st == null) {
      Map<String, Object> a = Files.readAttributes(root.resolve(rel), "unix:mode,size,lastModifiedTime,ino",
          LinkOption.NOFOLLOW_LINKS);
      st = new Stat((Integer) a.get("mode"), (Long) a.get("size"),
          ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
          (Long) a.get("ino"));
      stats.put(rel, st);
    }
    return st;
  }

  /** Writes the digest index for the next build (atomically), when it changed. */
  public void save() throws IOException {
    if (!hashed && entries.keySet().containsAll(known.keySet())) {
      return; // nothing read this build, nothing gone: the index on disk is still exact
    }
    ArrayNode arr = JSON.createArrayNode();
    new TreeMap<>(known).forEach((p, k) -> {
      if (entries.containsKey(p)) {
        arr.addObject().put("p", p).put("s", k.size()).put("m", k.mtimeNanos()).put("i", k.inode()).put("d", k.digest().toString());
      }
    });
    Path tmp = Files.createTempFile(indexFile.getParent(), ".index", ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(arr));
    Files.move(tmp, indexFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
