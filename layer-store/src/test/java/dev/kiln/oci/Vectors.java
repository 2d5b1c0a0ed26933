package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the test vectors of spec/ from the classpath. */
public final class Vectors {
  private Vectors() {}

  /**
   * Reads a vector file's bytes.
   *
   * @param path the path under spec/vectors/, e.g. {@code manifest/valid/oci-image.json}
   * @return the bytes
   */
  public static byte[] bytes(String path) {
    try (InputStream in = Vectors.class.getResourceAsStream("/spec/vectors/" + path)) {
      if (in == null) {
        throw new IllegalStateException("vector spec/vectors/" + path + " is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a {@code a | b | c} table, skipping blank lines and {@code #} comments. Cells are split on
   * {@code " | "} and stripped; a line starting with {@code " | "} has an empty first cell.
   *
   * @param path the path under spec/vectors/
   * @return the rows
   */
  public static List<List<String>> table(String path) {
    List<List<String>> rows = new ArrayList<>();
    for (String line : new String(bytes(path), StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      rows.add(Arrays.stream((line + " ").split(" \\| ", -1)).map(String::strip).toList());
    }
    return rows;
  }
}
