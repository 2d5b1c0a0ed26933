package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4 GiB blob goes through a registry JVM limited to -Xmx128m, up (one streamed monolithic PUT)
 * and down, with the digest checked both ways: nothing is buffered whole.
 */
final class LargeBlobIT {
  private static final long SIZE = 4L * 1024 * 1024 * 1024;

  @TempDir Path temp;

  // A deterministic, cheap stream of SIZE bytes (a repeating counter pattern).
  private static InputStream pattern() {
    return new InputStream() {
      long sent;

      @Override
      public int read() {
        return sent < SIZE ? (int) (sent++ * 31 >>> 3) & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (sent >= SIZE) {
          return -1;
        }
        int n = (int) Math.min(len, SIZE - sent);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) ((sent + i) * 31 >>> 3);
        }
        sent += n;
        return n;
      }
    };
  }

  @Test
  void fourGibibytesThroughAnXmx128mServer() throws Exception {
    Digester d = Digester.sha256();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = pattern()) {
      for (int n; (n = in.read(buffer)) != -1; ) {
        d.update(buffer, 0, n);
      }
    }
    Digest digest = d.digest();
    try (ServerProcess server = ServerProcess.start(temp.resolve("root"), temp, "-Xmx128m",
        "-XX:+UseSerialGC")) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String location = http.send(HttpRequest.newBuilder(server.url().resolve(
          "/v2/big/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding())
          .headers().firstValue("Location").orElseThrow();
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(server.url().resolve(location
          + "?digest=" + digest)).PUT(HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(LargeBlobIT::pattern), SIZE))
          .timeout(Duration.ofMinutes(4)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, put.statusCode(), put.body());
      HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(server.url().resolve(
          "/v2/big/blobs/" + digest)).timeout(Duration.ofMinutes(4)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, get.statusCode());
      Digester back = Digester.sha256();
      try (InputStream in = get.body()) {
        for (int n; (n = in.read(buffer)) != -1; ) {
          back.update(buffer, 0, n);
        }
      }
      assertEquals(SIZE, back.count());
      assertEquals(digest, back.digest());
    }
  }
}
