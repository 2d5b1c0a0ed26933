package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.oci.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the route-table vectors of spec/vectors/registry/: each file is a scenario of requests and
 * the status, headers, error code and body each must get, against a fresh server. The format is
 * described in spec/vectors/registry/README.md.
 */
final class RouteVectorsTest {
  private static final Pattern VAR = Pattern.compile("\\$\\{(?:(digest|size):)?([A-Za-z0-9_-]+)}");
  private static final JsonMapper JSON = new JsonMapper();

  @TempDir Path temp;

  @TestFactory
  Stream<DynamicTest> vectors() throws IOException {
    List<String> names;
    try (InputStream in = getClass().getResourceAsStream("/spec/vectors/registry/index.txt")) {
      names = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
    return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> run(name)));
  }

  private void run(String name) throws Exception {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/spec/vectors/registry/" + name)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path root = Files.createTempDirectory(temp, "root");
    RegistryConfig.Builder config = RegistryConfig.builder(root).port(0).accessLog(false);
    if (text.contains("#! read-only")) {
      config.readOnly(true);
    }
    if (text.contains("#! no-delete")) {
      config.deleteEnabled(false);
    }
    if (text.contains("#! no-validate")) {
      config.validateReferences(false);
    }
    try (RegistryServer server = RegistryServer.start(config.build())) {
      TestClient client = new TestClient(server.url());
      Map<String, String> vars = new HashMap<>();
      List<String> lines = text.lines().toList();
      int i = 0;
      while (i < lines.size()) {
        String line = lines.get(i);
        if (line.startsWith("= ")) {
          String rest = line.substring(2);
          int sp = rest.indexOf(' ');
          vars.put(rest.substring(0, sp), expand(rest.substring(sp + 1), vars));
          i++;
        } else if (line.startsWith("> ")) {
          int start = i;
          String[] request = expand(line.substring(2), vars).split(" ", 2);
          List<String> headers = new ArrayList<>();
          byte[] body = null;
          i++;
          for (; i < lines.size() && lines.get(i).startsWith("> "); i++) {
            String h = expand(lines.get(i).substring(2), vars);
            if (h.startsWith("body: ")) {
              body = unescape(h.substring(6)).getBytes(StandardCharsets.UTF_8);
            } else {
              int colon = h.indexOf(':');
              headers.add(h.substring(0, colon).strip());
              headers.add(h.substring(colon + 1).strip());
            }
          }
          HttpResponse<byte[]> r = client.send(request[0], request[1], body,
              headers.toArray(String[]::new));
          String where = name + ":" + (start + 1) + " " + request[0] + " " + request[1];
          r.headers().firstValue("Location").ifPresent(l -> vars.put("location", l));
          for (; i < lines.size() && lines.get(i).startsWith("< "); i++) {
            check(where, r, expand(lines.get(i).substring(2), vars));
          }
        } else {
          i++;
        }
      }
    }
  }

  private static void check(String where, HttpResponse<byte[]> r, String expect) throws IOException {
    if (expect.matches("[0-9]{3}")) {
      assertEquals(Integer.parseInt(expect), r.statusCode(), where + ": status; body "
          + TestClient.text(r));
    } else if (expect.startsWith("code: ")) {
      JsonNode errors = JSON.readTree(r.body()).path("errors");
      assertEquals(expect.substring(6), errors.path(0).path("code").asText(), where + ": code in "
          + TestClient.text(r));
    } else if (expect.startsWith("body: ")) {
      assertEquals(unescape(expect.substring(6)), TestClient.text(r), where + ": body");
    } else if (expect.startsWith("json: ")) {
      // "json: /pointer = value" compares one member of a JSON body
      String[] p = expect.substring(6).split(" = ", 2);
      JsonNode at = JSON.readTree(r.body()).at(p[0]);
      String actual = at.isValueNode() ? at.asText() : at.toString();
      assertEquals(p[1], actual, where + ": json " + p[0] + " in " + TestClient.text(r));
    } else if (expect.startsWith("!")) {
      String h = expect.substring(1).strip();
      assertTrue(r.headers().firstValue(h).isEmpty(), where + ": header " + h + " must be absent");
    } else {
      int colon = expect.indexOf(':');
      String header = expect.substring(0, colon).strip();
      String value = expect.substring(colon + 1).strip();
      String actual = r.headers().firstValue(header).orElse(null);
      if (value.startsWith("~")) {
        assertTrue(actual != null && actual.matches(value.substring(1)), where + ": header "
            + header + " = " + actual + " does not match " + value.substring(1));
      } else {
        assertEquals(value, actual, where + ": header " + header);
      }
    }
  }

  private static String expand(String s, Map<String, String> vars) {
    Matcher m = VAR.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = vars.get(m.group(2));
      if (value == null) {
        throw new IllegalStateException("vector uses undefined ${" + m.group(2) + "}");
      }
      byte[] bytes = unescape(value).getBytes(StandardCharsets.UTF_8);
      String replacement = m.group(1) == null ? value
          : m.group(1).equals("digest") ? Digests.sha256(bytes).toString()
          : String.valueOf(bytes.length);
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String unescape(String s) {
    return s.replace("\\n", "\n");
  }

}
