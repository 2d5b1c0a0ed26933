package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.oci.Digests;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What storage shares: a blob pushed to several repositories is stored once, each repository
 * holding a link; and upload state lives in storage, not in a process, so two registries on the
 * same root take turns on one chunked upload and either can finish it.
 */
final class SharedStorageTest {
  @TempDir Path temp;

  @Test
  void aBlobPushedToTwoRepositoriesIsStoredOnce() throws Exception {
    Path root = temp.resolve("root");
    byte[] blob = "the same layer, twice".getBytes(StandardCharsets.UTF_8);
    String digest = Digests.sha256(blob).toString();
    String hex = digest.substring("sha256:".length());
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(root).port(0)
        .accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      for (String repo : List.of("cas/one", "cas/two")) {
        assertEquals(201, c.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, blob)
            .statusCode());
      }
      try (Stream<Path> files = Files.walk(root)) {
        List<Path> data = files.filter(p -> p.getFileName().toString().equals("data")).toList();
        assertEquals(List.of(root.resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2)
            + "/" + hex + "/data")), data);
      }
      for (String repo : List.of("cas/one", "cas/two")) {
        assertEquals(digest, Files.readString(root.resolve("docker/registry/v2/repositories/"
            + repo + "/_layers/sha256/" + hex + "/link")));
      }
    }
  }

  @Test
  void twoReplicasContinueOneAnothersUpload() throws Exception {
    Path root = temp.resolve("root");
    byte[] blob = "one upload, written by two registries in turn".getBytes(StandardCharsets.UTF_8);
    String digest = Digests.sha256(blob).toString();
    RegistryConfig.Builder config = RegistryConfig.builder(root).port(0).accessLog(false);
    try (RegistryServer a = RegistryServer.start(config.build());
        RegistryServer b = RegistryServer.start(config.build())) {
      TestClient[] replicas = {new TestClient(a.url()), new TestClient(b.url())};
      HttpResponse<byte[]> post = replicas[0].send("POST", "/v2/shared/app/blobs/uploads/", null);
      assertEquals(202, post.statusCode(), TestClient.text(post));
      String upload = post.headers().firstValue("Location").orElseThrow();
      // a, b, a, b: each replica's cached running digest is stale after the other's chunk.
      int[] cuts = {0, 7, 15, 30, blob.length};
      for (int i = 0; i + 1 < cuts.length; i++) {
        TestClient c = replicas[i % 2];
        HttpResponse<byte[]> status = c.get(upload);
        assertEquals(204, status.statusCode(), TestClient.text(status));
        assertEquals("0-" + Math.max(0, cuts[i] - 1), status.headers().firstValue("Range")
            .orElseThrow(), "replica " + i % 2 + " does not see the other's bytes");
        byte[] chunk = java.util.Arrays.copyOfRange(blob, cuts[i], cuts[i + 1]);
        HttpResponse<byte[]> patch = c.send("PATCH", upload, chunk, "Content-Range",
            cuts[i] + "-" + (cuts[i + 1] - 1));
        assertEquals(202, patch.statusCode(), TestClient.text(patch));
      }
      // Replica a last saw 15 bytes; it finishes the 46-byte upload with the right digest.
      HttpResponse<byte[]> put = replicas[0].send("PUT", upload + "?digest=" + digest, null);
      assertEquals(201, put.statusCode(), TestClient.text(put));
      for (TestClient c : replicas) {
        HttpResponse<byte[]> get = c.get("/v2/shared/app/blobs/" + digest);
        assertEquals(200, get.statusCode());
        assertEquals(digest, Digests.sha256(get.body()).toString());
        assertEquals(404, c.get(upload).statusCode());
      }
    }
  }
}
