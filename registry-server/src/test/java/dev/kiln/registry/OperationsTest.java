package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Digests;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection, upload expiry, metrics, health, TLS, config files and shutdown. */
final class OperationsTest {
  private static final String MTYPE = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path temp;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String push(TestClient c, String repo, String content) {
    String d = Digests.sha256(bytes(content)).toString();
    assertEquals(201, c.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, bytes(content))
        .statusCode());
    return d;
  }

  @Test
  void gcFreesOnlyUnreferencedBlobsAndDryRunFreesNothing() throws Exception {
    Path root = temp.resolve("root");
    String kept;
    String orphan;
    String manifestDigest;
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      String config = push(c, "gc/app", "{}");
      kept = push(c, "gc/app", "layer that a manifest references");
      orphan = push(c, "gc/app", "layer nobody references");
      String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MTYPE + "\",\"config\":{"
          + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
          + "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
          + "\"digest\":\"" + kept + "\",\"size\":32}]}";
      HttpResponse<byte[]> put = c.send("PUT", "/v2/gc/app/manifests/v1", bytes(manifest),
          "Content-Type", MTYPE);
      assertEquals(201, put.statusCode(), TestClient.text(put));
      manifestDigest = put.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }
    // Within the grace period even the orphan stays: a push may be about to reference it.
    assertEquals(List.of(), GarbageCollector.collect(root, false, Duration.ofHours(1),
        Duration.ofDays(1)).blobs());
    Map<String, String> before = StorageSnapshot.of(root);
    GarbageCollector.Report dry = GarbageCollector.collect(root, true, Duration.ZERO,
        Duration.ofDays(1));
    assertEquals(List.of(orphan), dry.blobs());
    assertEquals("layer nobody references".length(), dry.bytes());
    assertEquals(before, StorageSnapshot.of(root), "a dry run changed storage");
    GarbageCollector.Report real = GarbageCollector.collect(root, false, Duration.ZERO,
        Duration.ofDays(1));
    assertEquals(List.of(orphan), real.blobs());
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      assertEquals(404, c.send("HEAD", "/v2/gc/app/blobs/" + orphan, null).statusCode());
      assertEquals(200, c.send("HEAD", "/v2/gc/app/blobs/" + kept, null).statusCode());
      assertEquals(200, c.get("/v2/gc/app/manifests/" + manifestDigest).statusCode());
    }
  }

  @Test
  void idleUploadsExpire() throws Exception {
    Path root = temp.resolve("root");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).uploadTtl(Duration.ofSeconds(4)).build())) {
      TestClient c = new TestClient(server.url());
      String upload = c.send("POST", "/v2/exp/blobs/uploads/", null).headers()
          .firstValue("Location").orElseThrow();
      HttpResponse<byte[]> patched = c.send("PATCH", upload, bytes("partial"));
      assertEquals(202, patched.statusCode(), TestClient.text(patched));
      assertEquals(204, c.get(upload).statusCode());
      // The janitor runs every ttl/4 (at least 1 s); give it a bounded while.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      int status = 204;
      while (status == 204 && System.nanoTime() < deadline) {
        Thread.sleep(250);
        status = c.get(upload).statusCode();
      }
      assertEquals(404, status, "the idle upload was not expired");
      // Cleaned, not only forgotten: its directory and data are gone from storage.
      String id = upload.substring(upload.lastIndexOf('/') + 1);
      assertFalse(Files.exists(root.resolve("docker/registry/v2/repositories/exp/_uploads/" + id)),
          "the expired upload's data is still in storage");
    }
  }

  @Test
  void readOnlyServesWhatIsStoredAndChangesNothing() throws Exception {
    Path root = temp.resolve("root");
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MTYPE + "\",\"config\":{"
        + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + Digests.sha256(bytes("{}")) + "\",\"size\":2},\"layers\":[]}";
    String layer;
    String upload;
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      push(c, "ro/app", "{}");
      layer = push(c, "ro/app", "a layer");
      assertEquals(201, c.send("PUT", "/v2/ro/app/manifests/v1", bytes(manifest), "Content-Type",
          MTYPE).statusCode());
      upload = c.send("POST", "/v2/ro/app/blobs/uploads/", null).headers().firstValue("Location")
          .orElseThrow();
      assertEquals(202, c.send("PATCH", upload, bytes("half")).statusCode());
    }
    Map<String, String> before = StorageSnapshot.of(root);
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).readOnly(true).uploadTtl(Duration.ofSeconds(1)).build())) {
      TestClient c = new TestClient(server.url());
      assertEquals(200, c.get("/v2/ro/app/manifests/v1").statusCode());
      assertEquals("a layer", TestClient.text(c.get("/v2/ro/app/blobs/" + layer)));
      assertEquals("{\"name\":\"ro/app\",\"tags\":[\"v1\"]}",
          TestClient.text(c.get("/v2/ro/app/tags/list")));
      assertEquals(204, c.get(upload).statusCode(), "a read-only server still reports uploads");
      for (HttpResponse<byte[]> r : List.of(
          c.send("PUT", "/v2/ro/app/manifests/v2", bytes(manifest), "Content-Type", MTYPE),
          c.send("DELETE", "/v2/ro/app/manifests/v1", null),
          c.send("DELETE", "/v2/ro/app/blobs/" + layer, null),
          c.send("POST", "/v2/ro/app/blobs/uploads/?digest=" + Digests.sha256(bytes("x")),
              bytes("x")),
          c.send("PATCH", upload, bytes("more")),
          c.send("DELETE", upload, null))) {
        assertEquals(405, r.statusCode(), TestClient.text(r));
        assertTrue(TestClient.text(r).contains("UNSUPPORTED"), TestClient.text(r));
      }
      // Not even the upload janitor writes: the idle upload outlives its 1 s limit.
      Thread.sleep(2500);
      assertEquals(204, c.get(upload).statusCode());
    }
    assertEquals(before, StorageSnapshot.of(root), "a read-only server changed storage");
  }

  @Test
  void metricsHealthAndConfigFile() throws Exception {
    Path config = temp.resolve("registry.json");
    Files.writeString(config, """
        {"addr": "127.0.0.1:0", "root": "data", "accessLog": false, "delete": false,
         "uploadTtl": "2h", "chunkMinLength": 1024, "chunkMaxLength": 1048576}
        """);
    RegistryConfig cfg = RegistryConfig.builder(temp.resolve("ignored")).file(config).build();
    assertEquals(temp.resolve("data").toAbsolutePath(), cfg.root().toAbsolutePath());
    assertFalse(cfg.deleteEnabled());
    assertEquals(Duration.ofHours(2), cfg.uploadTtl());
    try (RegistryServer server = RegistryServer.start(cfg)) {
      TestClient c = new TestClient(server.url());
      String d = push(c, "m/x", "metered");
      assertEquals(200, c.get("/v2/m/x/blobs/" + d).statusCode());
      HttpResponse<byte[]> post = c.send("POST", "/v2/m/x/blobs/uploads/", null);
      assertEquals("1024", post.headers().firstValue("OCI-Chunk-Min-Length").orElseThrow());
      assertEquals("1048576", post.headers().firstValue("OCI-Chunk-Max-Length").orElseThrow());
      assertEquals(200, c.get("/health").statusCode());
      String metrics = TestClient.text(c.get("/metrics"));
      assertTrue(metrics.contains("kiln_registry_requests_total{route=\"blob\",method=\"GET\","
          + "status=\"200\"} 1"), metrics);
      assertTrue(metrics.contains("kiln_registry_requests_total{route=\"uploads\",method=\"POST\","
          + "status=\"201\"} 1"), metrics);
      assertTrue(metrics.contains("kiln_registry_upload_duration_seconds_count 1"), metrics);
      assertTrue(metrics.contains("kiln_registry_bytes_received_total 7"), metrics);
      assertTrue(metrics.matches("(?s).*kiln_registry_storage_bytes [1-9][0-9]*\n.*"), metrics);
    }
    Files.writeString(config, "{\"addr\": \"nocolon\"}");
    var e = assertThrows(java.io.IOException.class,
        () -> RegistryConfig.builder(temp).file(config));
    assertTrue(e.getMessage().contains("registry.json") && e.getMessage().contains("nocolon"),
        e.getMessage());
  }

  @Test
  void tlsWithAGeneratedCa() throws Exception {
    Path root = temp.resolve("root");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).tls(true).build())) {
      Path ca = server.caCertificate().orElseThrow();
      assertTrue(Files.readString(ca).startsWith("-----BEGIN CERTIFICATE-----"));
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(ca)) {
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
            .generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient client = HttpClient.newBuilder().sslContext(ssl)
          .connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.url().resolve("/v2/"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("https", server.url().getScheme());
    }
    // The second start reuses the certificate rather than making a new CA.
    String first = Files.readString(root.resolve("tls/ca.crt"));
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).tls(true).build())) {
      assertEquals(first, Files.readString(server.caCertificate().orElseThrow()));
    }
  }

  @Test
  void shutdownFinishesRequestsInFlight() throws Exception {
    RegistryServer server = RegistryServer.start(RegistryConfig.builder(temp.resolve("root"))
        .port(0).accessLog(false).build());
    TestClient c = new TestClient(server.url());
    String upload = c.send("POST", "/v2/slow/blobs/uploads/", null).headers()
        .firstValue("Location").orElseThrow();
    // A PATCH whose body trickles in while close() is called must still complete.
    HttpClient http = HttpClient.newHttpClient();
    byte[] chunk = new byte[64 * 1024];
    var publisher = HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
      int sent;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (sent >= 8) {
          return -1;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        sent++;
        int n = Math.min(len, chunk.length);
        return n;
      }
    });
    var pending = http.sendAsync(HttpRequest.newBuilder(server.url().resolve(upload))
        .method("PATCH", publisher).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);
    server.close();
    assertEquals(202, pending.get().statusCode());
  }
}
