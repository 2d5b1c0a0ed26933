package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * For each user × repository × action (pull, push, delete, catalog), including anonymous, the
 * expected allow or deny, under Basic auth and under token auth with the same access file.
 */
final class PermissionMatrixTest {
  private static final JsonMapper JSON = new JsonMapper();

  private static final String ACCESS = """
      {"groups": {"devs": ["alice", "bob"]},
       "rules": [
         {"subjects": ["group:devs"], "repositories": ["team/**"], "actions": ["pull", "push"]},
         {"subjects": ["user:alice"], "repositories": ["team/**"], "actions": ["delete"]},
         {"subjects": ["user:carol"], "repositories": ["**"], "actions": ["*"]},
         {"subjects": ["*"], "repositories": ["public/*"], "actions": ["pull"]},
         {"subjects": ["user:carol"], "actions": ["catalog"]}
       ]}
      """;

  // user        repository    pull push delete ; catalog per user below
  private static final String MATRIX = """
      anonymous   team/app      N N N
      anonymous   public/base   Y N N
      anonymous   private/x     N N N
      alice       team/app      Y Y Y
      alice       team/sub/app  Y Y Y
      alice       public/base   Y N N
      alice       private/x     N N N
      bob         team/app      Y Y N
      bob         public/base   Y N N
      bob         private/x     N N N
      carol       team/app      Y Y Y
      carol       public/base   Y Y Y
      carol       private/x     Y Y Y
      dave        team/app      N N N
      dave        public/base   Y N N
      dave        private/x     N N N
      """;

  private static final String CATALOG = "anonymous N alice N bob N carol Y dave N";

  @TempDir Path temp;

  @ParameterizedTest
  @EnumSource(value = RegistryConfig.Auth.class, names = {"BASIC", "TOKEN"})
  void matrix(RegistryConfig.Auth mode) throws Exception {
    Path htpasswd = temp.resolve("htpasswd");
    StringBuilder users = new StringBuilder();
    for (String u : List.of("alice", "bob", "carol", "dave")) {
      users.append(Htpasswd.entry(u, (u + "-pw").toCharArray())).append('\n');
    }
    Files.writeString(htpasswd, users);
    Path access = temp.resolve("access.json");
    Files.writeString(access, ACCESS);
    RegistryConfig.Builder b = RegistryConfig.builder(temp.resolve("root")).port(0)
        .accessLog(false).htpasswd(htpasswd).accessFile(access).anonymousPull("public/*");
    if (mode == RegistryConfig.Auth.TOKEN) {
      b.tokenKey(temp.resolve("key.pem"));
    }
    List<String> mismatches = new ArrayList<>();
    try (RegistryServer server = RegistryServer.start(b.build())) {
      TestClient c = new TestClient(server.url());
      for (String line : MATRIX.strip().lines().toList()) {
        String[] f = line.strip().split("\\s+");
        String user = f[0];
        String repo = f[1];
        String[] actions = {"pull", "push", "delete"};
        for (int i = 0; i < 3; i++) {
          boolean expected = f[2 + i].equals("Y");
          boolean actual = allowed(c, mode, user, repo, actions[i]);
          if (expected != actual) {
            mismatches.add(user + " " + actions[i] + " " + repo + ": expected "
                + (expected ? "allow" : "deny"));
          }
        }
      }
      String[] cat = CATALOG.split(" ");
      for (int i = 0; i < cat.length; i += 2) {
        boolean expected = cat[i + 1].equals("Y");
        if (expected != allowed(c, mode, cat[i], "", "catalog")) {
          mismatches.add(cat[i] + " catalog: expected " + (expected ? "allow" : "deny"));
        }
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @ParameterizedTest
  @EnumSource(value = RegistryConfig.Auth.class, names = {"NONE", "BASIC"})
  void aDigestAloneMountsABlobOnlyOnAnOpenRegistry(RegistryConfig.Auth mode) throws Exception {
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("carol", "carol-pw".toCharArray()) + "\n"
        + Htpasswd.entry("bob", "bob-pw".toCharArray()) + "\n");
    Path access = temp.resolve("access.json");
    Files.writeString(access, ACCESS);
    RegistryConfig.Builder b = RegistryConfig.builder(temp.resolve("root")).port(0).accessLog(false);
    if (mode == RegistryConfig.Auth.BASIC) {
      b.htpasswd(htpasswd).accessFile(access);
    }
    String[] carol = {"Authorization", TestClient.basic("carol", "carol-pw")};
    String[] bob = {"Authorization", TestClient.basic("bob", "bob-pw")};
    byte[] secret = "private layer".getBytes(StandardCharsets.UTF_8);
    String digest = dev.kiln.oci.Digests.sha256(secret).toString();
    try (RegistryServer server = RegistryServer.start(b.build())) {
      TestClient c = new TestClient(server.url());
      assertEquals(201, c.send("POST", "/v2/private/x/blobs/uploads/?digest=" + digest, secret, carol).statusCode());
      int withoutFrom = c.send("POST", "/v2/team/app/blobs/uploads/?mount=" + digest, null, bob).statusCode();
      int fromUnreadable = c.send("POST", "/v2/team/app/blobs/uploads/?mount=" + digest + "&from=private/x", null, bob)
          .statusCode();
      // 201: mounted; 202: an upload started instead, the blob stays out of bob's reach
      assertEquals(mode == RegistryConfig.Auth.NONE ? 201 : 202, withoutFrom);
      assertEquals(mode == RegistryConfig.Auth.NONE ? 201 : 202, fromUnreadable);
      int bobReads = c.send("GET", "/v2/team/app/blobs/" + digest, null, bob).statusCode();
      assertEquals(mode == RegistryConfig.Auth.NONE ? 200 : 404, bobReads);
    }
  }

  private static boolean allowed(TestClient c, RegistryConfig.Auth mode, String user, String repo,
      String action) throws Exception {
    String method;
    String path;
    switch (action) {
      case "pull" -> {
        method = "GET";
        path = "/v2/" + repo + "/tags/list";
      }
      case "push" -> {
        method = "POST";
        path = "/v2/" + repo + "/blobs/uploads/";
      }
      case "delete" -> {
        method = "DELETE";
        path = "/v2/" + repo + "/manifests/sha256:" + "0".repeat(64);
      }
      default -> {
        method = "GET";
        path = "/v2/_catalog";
      }
    }
    Optional<String> auth = Optional.empty();
    if (mode == RegistryConfig.Auth.BASIC && !user.equals("anonymous")) {
      auth = Optional.of(TestClient.basic(user, user + "-pw"));
    } else if (mode == RegistryConfig.Auth.TOKEN) {
      String scope = action.equals("catalog") ? "registry:catalog:*"
          : "repository:" + repo + ":" + action;
      String tokenPath = "/token?service=kiln-registry&scope="
          + URLEncoder.encode(scope, StandardCharsets.UTF_8);
      HttpResponse<byte[]> t = user.equals("anonymous") ? c.get(tokenPath)
          : c.get(tokenPath, "Authorization", TestClient.basic(user, user + "-pw"));
      assertEquals(200, t.statusCode(), TestClient.text(t));
      auth = Optional.of("Bearer " + JSON.readTree(t.body()).path("token").asText());
    }
    HttpResponse<byte[]> r = auth.isPresent() ? c.send(method, path, null, "Authorization",
        auth.get()) : c.send(method, path, null);
    int s = r.statusCode();
    String what = mode + " " + user + " " + action + " " + repo + ": ";
    if (s >= 500) {
      throw new AssertionError(what + TestClient.text(r));
    }
    if (s != 401 && s != 403) {
      return true;
    }
    // A denial as the spec and Docker's clients expect it: a known user without the right gets
    // 403 DENIED under Basic; anyone else 401 UNAUTHORIZED with a challenge to answer (under
    // token auth, insufficient_scope, so a client asks for a wider token).
    String code = JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
    String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
    if (mode == RegistryConfig.Auth.BASIC && !user.equals("anonymous")) {
      assertEquals(403, s, what + TestClient.text(r));
      assertEquals("DENIED", code, what + TestClient.text(r));
    } else {
      assertEquals(401, s, what + TestClient.text(r));
      assertEquals("UNAUTHORIZED", code, what + TestClient.text(r));
      assertTrue(mode == RegistryConfig.Auth.BASIC ? challenge.startsWith("Basic realm=")
          : challenge.startsWith("Bearer realm=") && challenge.contains(
              "error=\"insufficient_scope\""), what + challenge);
    }
    return false;
  }
}
