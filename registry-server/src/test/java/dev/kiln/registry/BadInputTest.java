package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.oci.Digests;
import dev.kiln.registry.internal.TokenService;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad input gets the spec's error code and status, and leaves storage exactly as it
 * was (compared file by file).
 */
final class BadInputTest {
  private static final JsonMapper JSON = new JsonMapper();
  private static final byte[] CONFIG = "{}".getBytes(StandardCharsets.UTF_8);

  @TempDir Path temp;

  private static void expect(HttpResponse<byte[]> r, int status, String code) throws Exception {
    assertEquals(status, r.statusCode(), TestClient.text(r));
    if (code != null) {
      assertEquals(code, JSON.readTree(r.body()).path("errors").path(0).path("code").asText(),
          TestClient.text(r));
    }
  }

  private static String manifest(String layerDigest, long layerSize) {
    return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + Digests.sha256(CONFIG) + "\",\"size\":2},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest + "\",\"size\":"
        + layerSize + "}]}";
  }

  @Test
  void contentErrorsChangeNothing() throws Exception {
    Path root = temp.resolve("root");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      expect(c.send("POST", "/v2/bad/x/blobs/uploads/?digest=" + Digests.sha256(CONFIG), CONFIG),
          201, null);
      Map<String, String> before = StorageSnapshot.of(root);
      byte[] body = "payload".getBytes(StandardCharsets.UTF_8);
      String wrong = Digests.sha256("other".getBytes(StandardCharsets.UTF_8)).toString();
      String mtype = "application/vnd.oci.image.manifest.v1+json";

      // names outside the grammar, including traversal
      expect(c.send("POST", "/v2/../../etc/blobs/uploads/?digest=" + wrong, body), 400,
          "NAME_INVALID");
      expect(c.send("PUT", "/v2/bad/../../x/manifests/latest", body, "Content-Type", mtype), 400,
          "NAME_INVALID");
      expect(c.send("POST", "/v2/Bad/blobs/uploads/", null), 400, "NAME_INVALID");
      // digest that does not match the body, monolithic and after chunks
      expect(c.send("POST", "/v2/bad/x/blobs/uploads/?digest=" + wrong, body), 400,
          "DIGEST_INVALID");
      HttpResponse<byte[]> started = c.send("POST", "/v2/bad/x/blobs/uploads/", null);
      String upload = started.headers().firstValue("Location").orElseThrow();
      expect(c.send("PATCH", upload, body, "Content-Range", "0-6"), 202, null);
      // out-of-order chunk: 416 and the upload keeps its 7 bytes
      Map<String, String> midUpload = StorageSnapshot.of(root);
      expect(c.send("PATCH", upload, body, "Content-Range", "9-15"), 416, "RANGE_INVALID");
      expect(c.send("PATCH", upload, body, "Content-Range", "garbage"), 416, "RANGE_INVALID");
      assertEquals(midUpload, StorageSnapshot.of(root));
      expect(c.send("PUT", upload + "?digest=" + wrong, null), 400, "DIGEST_INVALID");
      expect(c.send("PUT", upload + "?digest=sha256:123", null), 400, "DIGEST_INVALID");
      // manifests: missing blobs, oversized, malformed, wrong Content-Type, wrong tag
      String missing = manifest(wrong, 5);
      expect(c.send("PUT", "/v2/bad/x/manifests/v1", missing.getBytes(StandardCharsets.UTF_8),
          "Content-Type", mtype), 400, "MANIFEST_BLOB_UNKNOWN");
      byte[] huge = new byte[4 * 1024 * 1024 + 1];
      Arrays.fill(huge, (byte) ' ');
      expect(c.send("PUT", "/v2/bad/x/manifests/v1", huge, "Content-Type", mtype), 413,
          "MANIFEST_INVALID");
      expect(c.send("PUT", "/v2/bad/x/manifests/v1", "{\"schemaVersion\":2,".getBytes(
          StandardCharsets.UTF_8), "Content-Type", mtype), 400, "MANIFEST_INVALID");
      expect(c.send("PUT", "/v2/bad/x/manifests/v1", "[]".getBytes(StandardCharsets.UTF_8),
          "Content-Type", mtype), 400, "MANIFEST_INVALID");
      expect(c.send("PUT", "/v2/bad/x/manifests/v1", missing.getBytes(StandardCharsets.UTF_8),
          "Content-Type", "application/json"), 400, "MANIFEST_INVALID");
      expect(c.send("PUT", "/v2/bad/x/manifests/.v1", missing.getBytes(StandardCharsets.UTF_8),
          "Content-Type", mtype), 400, "TAG_INVALID");
      expect(c.get("/v2/bad/x/blobs/" + wrong), 404, "BLOB_UNKNOWN");
      assertEquals(before, StorageSnapshot.of(root), "bad input changed storage");
    }
  }

  @Test
  void garbageAuthIsUnauthorizedAndChangesNothing() throws Exception {
    Path root = temp.resolve("basic");
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("alice", "secret".toCharArray()) + "\n");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).htpasswd(htpasswd).build())) {
      TestClient c = new TestClient(server.url());
      Map<String, String> before = StorageSnapshot.of(root);
      String path = "/v2/a/blobs/uploads/?digest=" + Digests.sha256(CONFIG);
      for (String header : new String[] {"Basic !!!notbase64", "Basic " + java.util.Base64
          .getEncoder().encodeToString("nocolon".getBytes(StandardCharsets.UTF_8)),
          TestClient.basic("alice", "wrong"), TestClient.basic("mallory", "secret"),
          "Bearer abc.def.ghi", "Negotiate xyz", "Basic"}) {
        HttpResponse<byte[]> r = c.send("POST", path, CONFIG, "Authorization", header);
        expect(r, 401, "UNAUTHORIZED");
        assertEquals("Basic realm=\"kiln-registry\"",
            r.headers().firstValue("WWW-Authenticate").orElse(null));
      }
      expect(c.send("POST", path, CONFIG), 401, "UNAUTHORIZED");
      assertEquals(before, StorageSnapshot.of(root));
      expect(c.send("POST", path, CONFIG, "Authorization", TestClient.basic("alice", "secret")),
          201, null);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ES256", "RS256"})
  void expiredAndForeignTokensAreUnauthorized(String alg) throws Exception {
    Path root = temp.resolve("token");
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("alice", "secret".toCharArray()) + "\n");
    Path key = temp.resolve("key.pem");
    boolean rsa = alg.equals("RS256");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).htpasswd(htpasswd).tokenKey(key).tokenAlgorithm(alg).build())) {
      TestClient c = new TestClient(server.url());
      String path = "/v2/a/blobs/uploads/?digest=" + Digests.sha256(CONFIG);
      HttpResponse<byte[]> challenge = c.send("POST", path, CONFIG);
      expect(challenge, 401, "UNAUTHORIZED");
      assertEquals("Bearer realm=\"" + server.url() + "/token\",service=\"kiln-registry\","
          + "scope=\"repository:a:pull,push\"", challenge.headers().firstValue("WWW-Authenticate")
          .orElseThrow());
      Map<String, String> before = StorageSnapshot.of(root);
      Map<String, java.util.List<String>> access = Map.of("a", java.util.List.of("pull", "push"));
      KeyPair ours = TokenService.loadOrCreate(key, rsa);
      Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
      String expired = new TokenService(ours, "kiln-token-server", "kiln-registry",
          Duration.ofMinutes(5), past).issue(Optional.of("alice"), access);
      // Signed by another key of the same algorithm, and by a key of the other algorithm.
      String foreign = new TokenService(TokenService.loadOrCreate(temp.resolve("other.pem"), rsa),
          "kiln-token-server", "kiln-registry", Duration.ofMinutes(5), Clock.systemUTC())
          .issue(Optional.of("alice"), access);
      String otherAlg = new TokenService(TokenService.loadOrCreate(temp.resolve("alg.pem"), !rsa),
          "kiln-token-server", "kiln-registry", Duration.ofMinutes(5), Clock.systemUTC())
          .issue(Optional.of("alice"), access);
      String otherAudience = new TokenService(ours, "kiln-token-server", "elsewhere",
          Duration.ofMinutes(5), Clock.systemUTC()).issue(Optional.of("alice"), access);
      String[] parts = foreign.split("\\.");
      String unsigned = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
          "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
      for (String token : new String[] {expired, foreign, otherAlg, otherAudience, unsigned,
          "garbage"}) {
        HttpResponse<byte[]> r = c.send("POST", path, CONFIG, "Authorization", "Bearer " + token);
        expect(r, 401, "UNAUTHORIZED");
        assertEquals(true, r.headers().firstValue("WWW-Authenticate").orElse("")
            .contains("error=\"invalid_token\""));
      }
      assertEquals(before, StorageSnapshot.of(root));
      // The token server's own token works.
      HttpResponse<byte[]> t = c.get("/token?service=kiln-registry&scope=repository:a:pull,push",
          "Authorization", TestClient.basic("alice", "secret"));
      expect(t, 200, null);
      String good = JSON.readTree(t.body()).path("token").asText();
      byte[] header = java.util.Base64.getUrlDecoder().decode(good.split("\\.")[0]);
      assertEquals(alg, JSON.readTree(header).path("alg").asText());
      expect(c.send("POST", path, CONFIG, "Authorization", "Bearer " + good), 201, null);
      expect(c.get("/token?service=kiln-registry&scope=repository:a:pull", "Authorization",
          TestClient.basic("alice", "wrong")), 401, "UNAUTHORIZED");
    }
  }
}
