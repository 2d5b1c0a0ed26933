package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the registry process with SIGKILL in the middle of many concurrent chunked uploads, starts
 * it again on the same storage, and checks: every completed push reads back with its digest, no
 * partial blob is visible (every blob in the CAS hashes to its name), and every interrupted upload
 * resumes from the offset the server reports and finishes with the right digest, or is unknown.
 */
final class CrashIT {
  private static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 24;
  private static final int UPLOADS = 16;

  @TempDir Path temp;

  private record Blob(byte[] bytes, Digest digest) {
    static Blob random(long seed, int size) {
      byte[] b = new byte[size];
      new Random(seed).nextBytes(b);
      return new Blob(b, Digests.sha256(b));
    }
  }

  @Test
  void killNineDuringChunkedUploadsThenResume() throws Exception {
    Path root = temp.resolve("root");
    List<Blob> completed = new ArrayList<>();
    List<Blob> interrupted = new ArrayList<>();
    ConcurrentHashMap<Integer, String> locations = new ConcurrentHashMap<>();
    try (ServerProcess server = ServerProcess.start(root, temp)) {
      TestClient c = new TestClient(server.url());
      for (int i = 0; i < 6; i++) {
        Blob b = Blob.random(i, 300_000 + i);
        pushChunked(c, "crash/done", b, 100_000, null, -1);
        completed.add(b);
      }
      for (int i = 0; i < UPLOADS; i++) {
        interrupted.add(Blob.random(1000 + i, CHUNK * CHUNKS));
      }
      ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < UPLOADS; i++) {
        int n = i;
        running.add(pool.submit(() -> {
          try {
            pushChunked(c, "crash/live", interrupted.get(n), CHUNK, locations, n);
          } catch (RuntimeException | Error e) {
            // the connection dies with the server: expected
          }
          return null;
        }));
      }
      // Kill once every upload has started and some have sent chunks.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (locations.size() < UPLOADS && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(400);
      server.kill();
      pool.shutdown();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    }
    assertEquals(UPLOADS, locations.size(), "not every upload started before the kill");
    // Nothing partial in the CAS: each blob's bytes hash to its own name.
    try (Stream<Path> walk = Files.walk(root.resolve("docker/registry/v2/blobs"))) {
      for (Path data : walk.filter(p -> p.getFileName().toString().equals("data")).toList()) {
        try (InputStream in = Files.newInputStream(data)) {
          assertEquals(data.getParent().getFileName().toString(),
              Digests.of("sha256", in).encoded(), "blob " + data + " is not its digest");
        }
      }
    }
    try (ServerProcess server = ServerProcess.start(root, temp)) {
      TestClient c = new TestClient(server.url());
      for (Blob b : completed) {
        HttpResponse<byte[]> r = c.get("/v2/crash/done/blobs/" + b.digest());
        assertEquals(200, r.statusCode());
        assertEquals(b.digest(), Digests.sha256(r.body()));
      }
      int resumed = 0;
      for (int i = 0; i < UPLOADS; i++) {
        Blob b = interrupted.get(i);
        HttpResponse<byte[]> head = c.send("HEAD", "/v2/crash/live/blobs/" + b.digest(), null);
        String location = locations.get(i);
        HttpResponse<byte[]> status = c.get(location);
        if (head.statusCode() == 200) {
          continue; // it finished before the kill
        }
        assertEquals(404, head.statusCode(), "a partial blob is visible");
        if (status.statusCode() == 404) {
          continue; // failed cleanly: the client starts over
        }
        assertEquals(204, status.statusCode(), TestClient.text(status));
        String range = status.headers().firstValue("Range").orElseThrow();
        long offset = Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
        if (range.equals("0-0")) {
          offset = 0;
        }
        assertTrue(offset <= b.bytes().length);
        pushChunked(c, "crash/live", b, CHUNK, null, -1, location, (int) offset);
        HttpResponse<byte[]> r = c.get("/v2/crash/live/blobs/" + b.digest());
        assertEquals(200, r.statusCode());
        assertEquals(b.digest(), Digests.sha256(r.body()));
        resumed++;
      }
      assertTrue(resumed > 0, "no upload was interrupted mid-way; the kill came too late");
    }
  }

  private static void pushChunked(TestClient c, String repo, Blob b, int chunk,
      ConcurrentHashMap<Integer, String> locations, int index) throws InterruptedException {
    HttpResponse<byte[]> post = c.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
    assertEquals(202, post.statusCode(), TestClient.text(post));
    String location = post.headers().firstValue("Location").orElseThrow();
    if (locations != null) {
      locations.put(index, location);
    }
    pushChunked(c, repo, b, chunk, locations, index, location, 0);
  }

  private static void pushChunked(TestClient c, String repo, Blob b, int chunk,
      ConcurrentHashMap<Integer, String> locations, int index, String location, int from)
      throws InterruptedException {
    for (int off = from; off < b.bytes().length; off += chunk) {
      int end = Math.min(b.bytes().length, off + chunk);
      HttpResponse<byte[]> r = c.send("PATCH", location, Arrays.copyOfRange(b.bytes(), off, end),
          "Content-Range", off + "-" + (end - 1), "Content-Type", "application/octet-stream");
      assertEquals(202, r.statusCode(), TestClient.text(r));
      if (locations != null) {
        Thread.sleep(30); // keep the uploads in flight long enough to be interrupted
      }
    }
    HttpResponse<byte[]> put = c.send("PUT", location + "?digest=" + b.digest(), null);
    assertEquals(201, put.statusCode(), TestClient.text(put));
  }
}
