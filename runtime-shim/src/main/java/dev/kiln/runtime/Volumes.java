package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Named volumes under {@code volumes/<name>/_data}. Thread-safe; state lives on disk. */
public final class Volumes {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
  private final Path dir;

  /** @param dir the volumes directory */
  public Volumes(Path dir) {
    this.dir = dir;
  }

  /**
   * Creates a volume, or returns the existing one of that name.
   *
   * @param name the name ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]*})
   * @return the volume
   * @throws IOException when its directory cannot be made
   */
  public Volume create(String name) throws IOException {
    if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("volume name " + name + ": expected [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    Path data = dir.resolve(name).resolve("_data");
    Files.createDirectories(data);
    Path created = dir.resolve(name).resolve("created");
    try {
      Files.writeString(created, Instant.now().toString(), java.nio.file.StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      // an existing volume is reused, as Docker does
    }
    return inspect(name).orElseThrow();
  }

  /** @param name volume name @return the volume if it exists */
  public Optional<Volume> inspect(String name) throws IOException {
    Path created = dir.resolve(name).resolve("created");
    if (!NAME.matcher(name).matches() || !Files.exists(created)) return Optional.empty();
    return Optional.of(new Volume(name, dir.resolve(name).resolve("_data"), Instant.parse(Files.readString(created).trim())));
  }

  /** @return every volume, sorted by name */
  public List<Volume> list() throws IOException {
    var out = new ArrayList<Volume>();
    if (!Files.isDirectory(dir)) return out;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) inspect(p.getFileName().toString()).ifPresent(out::add);
    }
    return out;
  }

  /**
   * Deletes a volume and its data.
   *
   * @param name volume name
   * @param usedBy containers that mount it (refused when non-empty)
   * @throws IllegalArgumentException when it does not exist or is in use
   * @throws IOException when it cannot be deleted
   */
  public void remove(String name, List<String> usedBy) throws IOException {
    if (inspect(name).isEmpty()) throw new IllegalArgumentException("volume " + name + ": no such volume");
    if (!usedBy.isEmpty()) throw new IllegalArgumentException("volume " + name + ": in use by container " + String.join(", ", usedBy));
    LogStore.deleteTree(dir.resolve(name));
  }
}
