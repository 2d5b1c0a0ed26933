package dev.kiln.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Container logs under {@code logs/<id>/}: {@code container.log} and its rotated predecessors
 * ({@code .1} newest), written by the shim as JSON lines, plus {@code meta.json} (id, name, and when
 * the container was removed). Logs outlive their container until {@code retention} after its
 * removal. Thread-safe: no mutable state beyond the files.
 */
public final class LogStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;
  private final Duration retention;
  private final Clock clock;

  /**
   * @param dir the logs directory
   * @param retention how long logs stay after their container is removed
   * @param clock time source for removal stamps and pruning
   */
  public LogStore(Path dir, Duration retention, Clock clock) {
    this.dir = dir;
    this.retention = retention;
    this.clock = clock;
  }

  Path file(String id) {
    return dir.resolve(id).resolve("container.log");
  }

  void register(String id, String name) throws IOException {
    Files.createDirectories(dir.resolve(id));
    AtomicFiles.write(dir.resolve(id).resolve("meta.json"), JSON.writeValueAsString(Map.of("id", id, "name", name)));
  }

  void markRemoved(String id) throws IOException {
    Path meta = dir.resolve(id).resolve("meta.json");
    if (!Files.exists(meta)) return;
    JsonNode m = JSON.readTree(meta.toFile());
    AtomicFiles.write(meta, JSON.writeValueAsString(Map.of("id", id, "name", m.path("name").asText(), "removed", clock.instant().toString())));
  }

  /**
   * Finds the log of a container, removed or not, by id, id prefix or name.
   *
   * @param idOrName what the user typed
   * @return the container id whose logs are kept
   */
  public Optional<String> find(String idOrName) {
    if (!Files.isDirectory(dir)) return Optional.empty();
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> all = s.toList();
      for (Path p : all) {
        Path meta = p.resolve("meta.json");
        if (Files.exists(meta) && JSON.readTree(meta.toFile()).path("name").asText().equals(idOrName)) {
          return Optional.of(p.getFileName().toString());
        }
      }
      List<String> ids = all.stream().map(p -> p.getFileName().toString()).filter(id -> id.startsWith(idOrName)).toList();
      return ids.size() == 1 && idOrName.length() >= 4 ? Optional.of(ids.getFirst()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Reads a container's log, oldest first.
   *
   * @param id container id
   * @param since only entries at or after this time
   * @param tail only the last N entries (negative: all)
   * @return the entries
   * @throws IOException when a log file cannot be read or holds a malformed line
   */
  public List<LogEntry> read(String id, Optional<Instant> since, int tail) throws IOException {
    var files = new ArrayList<Path>();
    Path live = file(id);
    for (int i = 32; i >= 1; i--) {
      Path rotated = live.resolveSibling("container.log." + i);
      if (Files.exists(rotated)) files.add(rotated);
    }
    if (Files.exists(live)) files.add(live);
    var entries = new ArrayList<LogEntry>();
    for (Path f : files) entries.addAll(parse(f, 0).entries());
    List<LogEntry> filtered = since.map(t -> entries.stream().filter(e -> !e.time().isBefore(t)).toList()).orElse(entries);
    return tail >= 0 && filtered.size() > tail ? filtered.subList(filtered.size() - tail, filtered.size()) : filtered;
  }

  /** Entries of FILE from byte OFFSET, and the offset after the last complete line. */
  record Chunk(List<LogEntry> entries, long end) {}

  Chunk parse(Path f, long offset) throws IOException {
    var entries = new ArrayList<LogEntry>();
    byte[] bytes;
    try (var ch = java.nio.channels.FileChannel.open(f)) {
      if (ch.size() <= offset) return new Chunk(List.of(), Math.min(offset, ch.size()));
      var buf = java.nio.ByteBuffer.allocate((int) Math.min(ch.size() - offset, 64L << 20));
      ch.read(buf, offset);
      bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
    }
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') continue;
      JsonNode n = JSON.readTree(bytes, start, i - start);
      entries.add(new LogEntry(Instant.parse(n.path("time").asText()), n.path("stream").asText(), n.path("log").asText()));
      start = i + 1;
    }
    return new Chunk(entries, offset + start);
  }

  /**
   * Deletes the logs of removed containers whose retention has ended.
   *
   * @return the ids whose logs were deleted
   * @throws IOException when a log directory cannot be deleted
   */
  public List<String> prune() throws IOException {
    var deleted = new ArrayList<String>();
    if (!Files.isDirectory(dir)) return deleted;
    Instant cutoff = clock.instant().minus(retention);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Path meta = p.resolve("meta.json");
        if (!Files.exists(meta)) continue;
        String removed = JSON.readTree(meta.toFile()).path("removed").asText("");
        if (!removed.isEmpty() && Instant.parse(removed).isBefore(cutoff)) {
          deleteTree(p);
          deleted.add(p.getFileName().toString());
        }
      }
    }
    return deleted;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }
}
