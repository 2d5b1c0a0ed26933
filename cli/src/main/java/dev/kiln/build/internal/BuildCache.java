package dev.kiln.build.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.store.GcRoots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The build cache index under {@code ROOT/build-cache/}: one small JSON file per step key
 * ({@code steps/<key>.json}) naming the layer the step made (or none) and when. The layers it names
 * are GC roots, so {@code kiln system gc} keeps them. Cache mounts live beside it in {@code
 * mounts/}. Thread-safe: entries are written atomically and never change once written.
 */
public final class BuildCache implements GcRoots {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;

  /**
   * One cached step.
   *
   * @param layer the layer the step made, if any
   * @param diffId its diffId (when there is a layer)
   * @param created when the step first ran
   */
  public record Entry(Optional<Descriptor> layer, Optional<Digest> diffId, Instant created) {}

  /**
   * Opens the cache of a store root.
   *
   * @param storeRoot the store's root
   * @throws IOException when the directories cannot be made
   */
  public BuildCache(Path storeRoot) throws IOException {
    this.dir = storeRoot.resolve("build-cache");
    Files.createDirectories(dir.resolve("steps"));
    Files.createDirectories(dir.resolve("mounts"));
    Files.createDirectories(dir.resolve("context"));
  }

  /** Returns the cache's directory. */
  public Path dir() {
    return dir;
  }

  /** Returns the directory of a cache mount, created on first use. */
  public Path mount(String id) throws IOException {
    Path p = dir.resolve("mounts").resolve(Digests.sha256(id.getBytes(StandardCharsets.UTF_8)).encoded());
    Files.createDirectories(p);
    return p;
  }

  /** Returns the entry of a step key, if cached and its layer blob is still in {@code hasBlob}. */
  public Optional<Entry> find(String key, java.util.function.Predicate<Digest> hasBlob) throws IOException {
    Path f = file(key);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    JsonNode n = JSON.readTree(f.toFile());
    Instant created = Instant.parse(n.path("created").asText());
    if (!n.hasNonNull("layer")) {
      return Optional.of(new Entry(Optional.empty(), Optional.empty(), created));
    }
    JsonNode l = n.get("layer");
    Descriptor d = Descriptor.of(l.path("mediaType").asText(), Digest.parse(l.path("digest").asText()), l.path("size").asLong());
    if (!hasBlob.test(d.digest())) {
      return Optional.empty();
    }
    return Optional.of(new Entry(Optional.of(d), Optional.of(Digest.parse(n.path("diffId").asText())), created));
  }

  /** Records a step's result (atomically; a concurrent writer of the same key writes the same). */
  public void put(String key, Entry entry) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("created", entry.created().toString());
    if (entry.layer().isPresent()) {
      Descriptor d = entry.layer().get();
      n.putObject("layer").put("mediaType", d.mediaType()).put("digest", d.digest().toString()).put("size", d.size());
      n.put("diffId", entry.diffId().orElseThrow().toString());
    }
    Path f = file(key);
    Path tmp = Files.createTempFile(f.getParent(), ".entry", ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(n));
    Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private Path file(String key) {
    return dir.resolve("steps").resolve(key + ".json");
  }

  /** The layers the cache names: kept by the store's garbage collector. */
  @Override
  public Collection<Descriptor> roots() throws IOException {
    List<Descriptor> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir.resolve("steps"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        JsonNode l = JSON.readTree(f.toFile()).path("layer");
        if (l.isObject()) {
          out.add(Descriptor.of(l.path("mediaType").asText(), Digest.parse(l.path("digest").asText()), l.path("size").asLong()));
        }
      }
    }
    return out;
  }
}
