package dev.kiln.oci.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Typed access to JSON trees for the model codecs. Reading is strict about types and duplicate keys
 * and ignores unknown fields; every shape error is a {@link ShapeException} naming the JSON path.
 */
public final class Json {
  private Json() {}

  /** The one mapper: duplicate keys and trailing tokens are errors. Thread-safe. */
  public static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** A JSON document that is malformed or has the wrong shape; the message names the path. */
  public static final class ShapeException extends Exception {
    private static final long serialVersionUID = 1L;

    ShapeException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Parses bytes into a JSON object.
   *
   * @param bytes the document
   * @return its root object
   * @throws ShapeException when it is not JSON or not an object
   */
  public static ObjectNode readObject(byte[] bytes) throws ShapeException {
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new ShapeException("malformed JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new ShapeException("unreadable JSON: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new ShapeException("document is not a JSON object", null);
    }
    return (ObjectNode) node;
  }

  /**
   * Serialises a tree.
   *
   * @param node the tree
   * @return its compact UTF-8 JSON
   */
  public static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JacksonException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns a new empty object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * Throws a shape error.
   *
   * @param path the JSON path
   * @param what what is wrong
   * @return never
   * @throws ShapeException always
   */
  public static ShapeException shape(String path, String what) throws ShapeException {
    throw new ShapeException(path + ": " + what, null);
  }

  /** Returns whether a field is present and not JSON null. */
  public static boolean has(ObjectNode o, String field) {
    JsonNode n = o.get(field);
    return n != null && !n.isNull();
  }

  /** Returns a string field, or empty when absent or null. */
  public static Optional<String> text(ObjectNode o, String field, String path) throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw shape(path + "." + field, "expected a string");
    }
    return Optional.of(n.textValue());
  }

  /** Returns a string field, or "" when absent or null. */
  public static String textOrEmpty(ObjectNode o, String field, String path) throws ShapeException {
    return text(o, field, path).orElse("");
  }

  /** Returns a required string field. */
  public static String requireText(ObjectNode o, String field, String path) throws ShapeException {
    Optional<String> t = text(o, field, path);
    if (t.isEmpty()) {
      throw shape(path + "." + field, "required string is missing");
    }
    return t.get();
  }

  /** Returns an integer field that fits a long, or {@code absent} when missing. */
  public static long longValue(ObjectNode o, String field, String path, long absent)
      throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return absent;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw shape(path + "." + field, "expected an integer");
    }
    return n.longValue();
  }

  /** Returns a boolean field, false when absent. */
  public static boolean bool(ObjectNode o, String field, String path) throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw shape(path + "." + field, "expected true or false");
    }
    return n.booleanValue();
  }

  /** Returns an object field, or empty when absent or null. */
  public static Optional<ObjectNode> object(ObjectNode o, String field, String path)
      throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isObject()) {
      throw shape(path + "." + field, "expected an object");
    }
    return Optional.of((ObjectNode) n);
  }

  /** Returns the objects of an array field, empty when absent or null. */
  public static List<ObjectNode> objects(ObjectNode o, String field, String path)
      throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw shape(path + "." + field, "expected an array");
    }
    List<ObjectNode> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      if (!n.get(i).isObject()) {
        throw shape(path + "." + field + "[" + i + "]", "expected an object");
      }
      out.add((ObjectNode) n.get(i));
    }
    return out;
  }

  /** Returns the strings of an array field, empty when absent or null. */
  public static List<String> textList(ObjectNode o, String field, String path)
      throws ShapeException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw shape(path + "." + field, "expected an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      if (!n.get(i).isTextual()) {
        throw shape(path + "." + field + "[" + i + "]", "expected a string");
      }
      out.add(n.get(i).textValue());
    }
    return out;
  }

  /** Returns a string-to-string object field, in document order, empty when absent or null. */
  public static Map<String, String> textMap(ObjectNode o, String field, String path)
      throws ShapeException {
    Optional<ObjectNode> obj = object(o, field, path);
    Map<String, String> out = new LinkedHashMap<>();
    if (obj.isPresent()) {
      for (Map.Entry<String, JsonNode> e : obj.get().properties()) {
        if (!e.getValue().isTextual()) {
          throw shape(path + "." + field + "." + e.getKey(), "expected a string");
        }
        out.put(e.getKey(), e.getValue().textValue());
      }
    }
    return out;
  }

  /** Returns the keys of an object field used as a set ({@code {"80/tcp": {}}}), in order. */
  public static List<String> keySet(ObjectNode o, String field, String path)
      throws ShapeException {
    Optional<ObjectNode> obj = object(o, field, path);
    List<String> out = new ArrayList<>();
    if (obj.isPresent()) {
      obj.get().properties().forEach(e -> out.add(e.getKey()));
    }
    return out;
  }

  /** Puts a string unless empty. */
  public static void putText(ObjectNode o, String field, String value) {
    if (!value.isEmpty()) {
      o.put(field, value);
    }
  }

  /** Puts an array of strings unless empty. */
  public static void putTextList(ObjectNode o, String field, Collection<String> values) {
    if (!values.isEmpty()) {
      ArrayNode a = o.putArray(field);
      values.forEach(a::add);
    }
  }

  /** Puts a string map with keys sorted (Go's encoding/json order) unless empty. */
  public static void putTextMap(ObjectNode o, String field, Map<String, String> values) {
    if (!values.isEmpty()) {
      ObjectNode m = o.putObject(field);
      new TreeMap<>(values).forEach(m::put);
    }
  }

  /** Puts a set as an object of empty objects ({@code {"80/tcp": {}}}) unless empty. */
  public static void putKeySet(ObjectNode o, String field, Collection<String> keys) {
    if (!keys.isEmpty()) {
      ObjectNode m = o.putObject(field);
      keys.forEach(k -> m.putObject(k));
    }
  }
}
