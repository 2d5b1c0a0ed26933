package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.oci.Digests;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection runs over and over while pushes continue: every push succeeds, every
 * accepted manifest keeps every blob it references, and old unreferenced blobs are still
 * collected meanwhile. An upload in progress outlives a collection and finishes.
 */
final class GcConcurrencyTest {
  private static final String MTYPE = "application/vnd.oci.image.manifest.v1+json";
  private static final JsonMapper JSON = new JsonMapper();

  @TempDir Path temp;

  @Test
  void acceptedManifestsNeverLoseBlobs() throws Exception {
    Path root = temp.resolve("root");
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      List<String> orphans = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        byte[] b = ("orphan " + i).getBytes(StandardCharsets.UTF_8);
        String d = Digests.sha256(b).toString();
        assertEquals(201, c.send("POST", "/v2/gc/old/blobs/uploads/?digest=" + d, b).statusCode());
        orphans.add(d);
        // Pushed two hours ago and never referenced: garbage.
        java.nio.file.Files.setLastModifiedTime(root.resolve("docker/registry/v2/blobs/sha256/"
            + d.substring(7, 9) + "/" + d.substring(7) + "/data"),
            java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofHours(2))));
      }
      ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
      AtomicInteger refused = new AtomicInteger();
      AtomicBoolean pushing = new AtomicBoolean(true);
      AtomicInteger collections = new AtomicInteger();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<?> gc = pool.submit(() -> {
          while (pushing.get()) {
            GarbageCollector.collect(root, false, Duration.ofMinutes(1), Duration.ofDays(1));
            collections.incrementAndGet();
          }
          return null;
        });
        List<Future<?>> pushers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          pushers.add(pool.submit(() -> {
            for (int i = 0; i < 15; i++) {
              byte[] config = ("{\"n\":\"" + thread + "-" + i + "\"}").getBytes(StandardCharsets.UTF_8);
              byte[] layer = ("layer " + thread + "-" + i).getBytes(StandardCharsets.UTF_8);
              String cd = Digests.sha256(config).toString();
              String ld = Digests.sha256(layer).toString();
              for (byte[] blob : List.of(config, layer)) {
                HttpResponse<byte[]> r = c.send("POST", "/v2/gc/t" + thread
                    + "/blobs/uploads/?digest=" + Digests.sha256(blob), blob);
                assertEquals(201, r.statusCode(), TestClient.text(r));
              }
              String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MTYPE + "\",\"config\":{"
                  + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + cd
                  + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                  + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + ld + "\",\"size\":"
                  + layer.length + "}]}";
              HttpResponse<byte[]> put = c.send("PUT", "/v2/gc/t" + thread + "/manifests/v" + i,
                  manifest.getBytes(StandardCharsets.UTF_8), "Content-Type", MTYPE);
              if (put.statusCode() == 201) {
                accepted.add("gc/t" + thread + " " + cd + " " + ld);
              } else {
                assertEquals("MANIFEST_BLOB_UNKNOWN", JSON.readTree(put.body()).path("errors")
                    .path(0).path("code").asText(), TestClient.text(put));
                refused.incrementAndGet();
              }
            }
            return null;
          }));
        }
        for (Future<?> p : pushers) {
          p.get();
        }
        pushing.set(false);
        gc.get();
      }
      assertTrue(collections.get() > 1, "the collector did not run during the pushes");
      assertEquals(0, refused.get(), "pushes were refused while the collector ran");
      assertEquals(60, accepted.size());
      for (String d : orphans) {
        assertEquals(404, c.send("HEAD", "/v2/gc/old/blobs/" + d, null).statusCode(),
            "old orphan " + d + " was not collected");
      }
      for (String a : accepted) {
        String[] f = a.split(" ");
        for (int i = 1; i < 3; i++) {
          assertEquals(200, c.send("HEAD", "/v2/" + f[0] + "/blobs/" + f[i], null).statusCode(),
              "accepted manifest in " + f[0] + " lost blob " + f[i]);
        }
      }
    }
  }

  @Test
  void anUploadInProgressSurvivesACollection() throws Exception {
    Path root = temp.resolve("root");
    byte[] blob = "an upload that a collection interrupts".getBytes(StandardCharsets.UTF_8);
    String digest = Digests.sha256(blob).toString();
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      String upload = c.send("POST", "/v2/gc/live/blobs/uploads/", null).headers()
          .firstValue("Location").orElseThrow();
      assertEquals(202, c.send("PATCH", upload, java.util.Arrays.copyOf(blob, 10), "Content-Range",
          "0-9").statusCode());
      // No grace at all: only what the collector must never touch is left.
      GarbageCollector.collect(root, false, Duration.ZERO, Duration.ofDays(1));
      assertEquals(202, c.send("PATCH", upload, java.util.Arrays.copyOfRange(blob, 10,
          blob.length), "Content-Range", "10-" + (blob.length - 1)).statusCode());
      HttpResponse<byte[]> put = c.send("PUT", upload + "?digest=" + digest, null);
      assertEquals(201, put.statusCode(), TestClient.text(put));
      assertEquals(digest, Digests.sha256(c.get("/v2/gc/live/blobs/" + digest).body()).toString());
    }
  }
}
