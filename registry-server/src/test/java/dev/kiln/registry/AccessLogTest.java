package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.oci.Digests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access logs are one JSON object per request on the {@code dev.kiln.registry.access} logger, with
 * the authenticated user, and never the query string (it may carry a token or credentials).
 */
final class AccessLogTest {
  private static final JsonMapper JSON = new JsonMapper();
  // Held strongly: java.util.logging forgets loggers nobody references.
  private static final Logger ACCESS = Logger.getLogger("dev.kiln.registry.access");

  @TempDir Path temp;

  @Test
  void oneJsonLinePerRequestWithoutQueryStrings() throws Exception {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    ACCESS.addHandler(capture);
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("alice", "pw".toCharArray()) + "\n");
    byte[] blob = "logged".getBytes(StandardCharsets.UTF_8);
    String digest = Digests.sha256(blob).toString();
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(temp.resolve("root"))
        .port(0).htpasswd(htpasswd).build())) {
      TestClient c = new TestClient(server.url());
      String alice = TestClient.basic("alice", "pw");
      assertEquals(201, c.send("POST", "/v2/log/app/blobs/uploads/?digest=" + digest, blob,
          "Authorization", alice).statusCode());
      assertEquals(401, c.get("/v2/log/app/blobs/" + digest + "?secret=hunter2").statusCode());
      assertEquals(200, c.get("/v2/log/app/blobs/" + digest, "Authorization", alice).statusCode());
    } finally {
      ACCESS.removeHandler(capture);
    }
    // The completion listener runs after the response is sent: the lines are there by close().
    assertEquals(3, lines.size(), String.valueOf(lines));
    List<JsonNode> entries = new ArrayList<>();
    for (String line : lines) {
      assertFalse(line.contains("\n"), line);
      assertFalse(line.contains("?") || line.contains("hunter2") || line.contains(digest + "&"),
          "a query string reached the log: " + line);
      entries.add(JSON.readTree(line));
    }
    JsonNode push = entries.get(0);
    assertEquals("POST", push.path("method").asText());
    assertEquals("/v2/log/app/blobs/uploads/", push.path("path").asText());
    assertEquals("uploads", push.path("route").asText());
    assertEquals(201, push.path("status").asInt());
    assertEquals(blob.length, push.path("in").asLong());
    assertEquals("alice", push.path("user").asText());
    JsonNode denied = entries.get(1);
    assertEquals(401, denied.path("status").asInt());
    assertTrue(denied.path("user").isNull() || denied.path("user").isMissingNode(),
        denied.toString());
    JsonNode pull = entries.get(2);
    assertEquals("GET", pull.path("method").asText());
    assertEquals("blob", pull.path("route").asText());
    assertEquals(200, pull.path("status").asInt());
    assertTrue(pull.path("out").asLong() >= blob.length, pull.toString());
    for (JsonNode e : entries) {
      for (String field : List.of("time", "id", "remote", "ms")) {
        assertFalse(e.path(field).isMissingNode(), field + " missing in " + e);
      }
      assertTrue(e.path("remote").asText().contains("127.0.0.1"), e.toString());
    }
    assertEquals(3, entries.stream().map(e -> e.path("id").asText()).distinct().count(),
        "request ids are not unique");
  }
}
