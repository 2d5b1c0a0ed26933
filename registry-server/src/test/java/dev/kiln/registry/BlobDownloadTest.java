package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Digests;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob GETs of a blob larger than the server's copy buffers and not a multiple of their size:
 * whole, bounded, open-ended and suffix ranges come back byte for byte, HEAD sends no body, and
 * the metrics count exactly the body bytes sent.
 */
final class BlobDownloadTest {
  @TempDir Path temp;

  @Test
  void wholeRangesAndHeadMatchTheBlobAndTheBytesSentMetric() throws Exception {
    byte[] blob = new byte[300_001];
    new Random(42).nextBytes(blob);
    String digest = Digests.sha256(blob).toString();
    try (RegistryServer server = RegistryServer.start(RegistryConfig.builder(temp.resolve("root"))
        .port(0).accessLog(false).build())) {
      TestClient c = new TestClient(server.url());
      assertEquals(201, c.send("POST", "/v2/dl/x/blobs/uploads/?digest=" + digest, blob)
          .statusCode());
      String path = "/v2/dl/x/blobs/" + digest;
      long sent = 0;

      HttpResponse<byte[]> whole = c.get(path);
      assertEquals(200, whole.statusCode());
      assertArrayEquals(blob, whole.body());
      assertEquals(digest, whole.headers().firstValue("Docker-Content-Digest").orElseThrow());
      sent += whole.body().length;

      long[][] ranges = {{1000, 150_000}, {200_000, blob.length - 1}, {blob.length - 70_000,
          blob.length - 1}, {65_536, 65_536}};
      String[] asked = {"bytes=1000-150000", "bytes=200000-", "bytes=-70000", "bytes=65536-65536"};
      for (int i = 0; i < asked.length; i++) {
        HttpResponse<byte[]> part = c.get(path, "Range", asked[i]);
        long start = ranges[i][0];
        long end = ranges[i][1];
        assertEquals(206, part.statusCode(), asked[i]);
        assertEquals("bytes " + start + "-" + end + "/" + blob.length,
            part.headers().firstValue("Content-Range").orElseThrow(), asked[i]);
        assertArrayEquals(Arrays.copyOfRange(blob, (int) start, (int) end + 1), part.body(),
            asked[i]);
        sent += part.body().length;
      }

      HttpResponse<byte[]> head = c.send("HEAD", path, null);
      assertEquals(200, head.statusCode());
      assertEquals(String.valueOf(blob.length),
          head.headers().firstValue("Content-Length").orElseThrow());
      assertEquals(0, head.body().length);

      String metrics = TestClient.text(c.get("/metrics"));
      assertTrue(metrics.contains("kiln_registry_bytes_sent_total " + sent + "\n"), metrics);
    }
  }
}
