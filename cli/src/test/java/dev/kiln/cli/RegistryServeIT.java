package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln registry serve --tls} as its own process: it prints the CA it generated (the one
 * clients must trust, byte for byte the file in the data dir), and SIGTERM lets a request in
 * flight finish before the process exits.
 */
final class RegistryServeIT {
  @TempDir Path temp;

  @Test
  void printsTheGeneratedCaAndFinishesRequestsOnSigterm() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path root = temp.resolve("root");
    Process serve = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "registry", "serve",
        "--root", root.toString(), "--addr", "127.0.0.1:" + port, "--tls", "--no-access-log"))
        .redirectError(temp.resolve("stderr").toFile()).start();
    try {
      // Read on a thread of its own: the common pool may be busy or a single thread on 2 cores.
      CompletableFuture<String> printed = new CompletableFuture<>();
      Thread.ofPlatform().daemon().start(() -> {
        try {
          printed.complete(pem(serve));
        } catch (RuntimeException | AssertionError e) {
          printed.completeExceptionally(e);
        }
      });
      String pem;
      try {
        pem = printed.get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("serve printed no CA within 60 s; alive " + serve.isAlive()
            + ", stderr: " + Files.readString(temp.resolve("stderr")), e);
      }
      assertEquals(Files.readString(root.resolve("tls/ca.crt")).strip(), pem.strip(),
          "the printed CA is not the generated one");
      HttpClient http = HttpClient.newBuilder().sslContext(trusting(pem))
          .connectTimeout(Duration.ofSeconds(10)).build();
      URI base = URI.create("https://127.0.0.1:" + port);
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve(
          "/v2/term/app/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(202, post.statusCode(), post.body());
      String upload = post.headers().firstValue("Location").orElseThrow();
      // A chunk that trickles in over ~1 s; SIGTERM arrives in the middle of it.
      var pending = http.sendAsync(HttpRequest.newBuilder(base.resolve(upload))
          .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(Trickle::new))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      Thread.sleep(300);
      serve.destroy();
      HttpResponse<String> patch = pending.get(30, TimeUnit.SECONDS);
      assertEquals(202, patch.statusCode(), patch.body());
      assertEquals("0-" + (Trickle.CHUNKS * Trickle.SIZE - 1),
          patch.headers().firstValue("Range").orElseThrow());
      assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "the registry did not exit on SIGTERM");
    } finally {
      serve.destroyForcibly();
      serve.waitFor(30, TimeUnit.SECONDS);
    }
  }

  // The PEM block the command prints after its "clients must trust" line.
  private static String pem(Process serve) {
    StringBuilder pem = new StringBuilder();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
        StandardCharsets.UTF_8))) {
      boolean announced = false;
      for (String line; (line = out.readLine()) != null; ) {
        announced |= line.contains("clients must trust the generated CA");
        if (announced && (pem.length() > 0 || line.startsWith("-----BEGIN CERTIFICATE"))) {
          pem.append(line).append('\n');
          if (line.startsWith("-----END CERTIFICATE")) {
            // Keep draining stdout so the server never blocks on a full pipe.
            Thread.ofVirtual().start(() -> {
              try {
                out.transferTo(java.io.Writer.nullWriter());
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
            return pem.toString();
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("serve ended without printing a CA: " + pem);
  }

  private static SSLContext trusting(String pem) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
        new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  /** 512 KiB in eight 64 KiB pieces, 125 ms apart. */
  private static final class Trickle extends InputStream {
    static final int CHUNKS = 8;
    static final int SIZE = 64 * 1024;
    private int sent;

    @Override
    public int read() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (sent >= CHUNKS * SIZE) {
        return -1;
      }
      if (sent % SIZE == 0) {
        try {
          Thread.sleep(125);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int n = Math.min(len, SIZE - sent % SIZE);
      java.util.Arrays.fill(b, off, off + n, (byte) (sent / SIZE));
      sent += n;
      return n;
    }
  }
}
