package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
        .redirectOutput(temp.resolve("stdout").toFile())
        .redirectError(temp.resolve("stderr").toFile()).start();
    try {
      // Output to files, not pipes: nothing to drain, and a failure shows all of it.
      String pem = printedCa(serve, temp.resolve("stdout"), temp.resolve("stderr"));
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
  // Where a serve that printed nothing stands: its thread dump, taken with the JDK's jcmd.
  private static String threads(Process serve) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(serve.pid()), "Thread.print")
        .redirectErrorStream(true).start();
    CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = dump.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return "jcmd failed: " + e;
      }
    });
    if (!dump.waitFor(30, TimeUnit.SECONDS)) {
      dump.destroyForcibly();
      return "jcmd gave no dump within 30 s";
    }
    return text.get(5, TimeUnit.SECONDS);
  }

  /** Waits up to 60 s for serve to announce its CA and print it whole; returns the PEM. */
  private static String printedCa(Process serve, Path stdout, Path stderr) throws Exception {
    Pattern printed = Pattern.compile("clients must trust the generated CA[^\\n]*\\n"
        + "(-----BEGIN CERTIFICATE-----\\n[^-]*-----END CERTIFICATE-----\\n)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = printed.matcher(Files.readString(stdout));
      if (m.find()) {
        return m.group(1);
      }
      if (!serve.isAlive()) {
        throw new AssertionError("serve ended (exit " + serve.exitValue() + ") without printing a "
            + "CA; stdout: " + Files.readString(stdout) + "\nstderr: " + Files.readString(stderr));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve printed no CA within 60 s; stdout: " + Files.readString(stdout)
        + "\nstderr: " + Files.readString(stderr) + "\nits threads:\n" + threads(serve));
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
