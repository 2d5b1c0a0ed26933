package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln registry htpasswd|gc|serve}: entries, reports and one-line errors for bad input. */
final class RegistryCommandTest {
  @TempDir Path temp;

  private record Result(int exit, String out, String err) {}

  private static Result run(String stdin, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    InputStream in = System.in;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int exit = Main.commandLine(args).execute(args);
      return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      System.setIn(in);
    }
  }

  @Test
  void htpasswdWritesABcryptEntryAndReplacesTheUsersOldOne() throws Exception {
    Path file = temp.resolve("users");
    assertEquals(0, run("first\n", "registry", "htpasswd", "alice", "--file", file.toString()).exit());
    assertEquals(0, run("second\n", "registry", "htpasswd", "bob", "--file", file.toString()).exit());
    assertEquals(0, run("third\n", "registry", "htpasswd", "alice", "--file", file.toString()).exit());
    var lines = Files.readAllLines(file);
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("bob:$2y$10$"), lines.get(0));
    assertTrue(lines.get(1).startsWith("alice:$2y$10$"), lines.get(1));
    Result bad = run("pw\n", "registry", "htpasswd", "no spaces");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("user name 'no spaces'"), bad.err());
  }

  @Test
  void gcDryRunReportsOnAnEmptyRoot() {
    Result r = run("", "registry", "gc", "--root", temp.resolve("root").toString(), "--dry-run");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("would free 0 blobs"), r.out());
  }

  @Test
  void gcReportsThenDeletesAnOrphanBlob() throws Exception {
    Path root = temp.resolve("root");
    byte[] orphan = "pushed, never referenced".getBytes(StandardCharsets.UTF_8);
    String digest = dev.kiln.oci.Digests.sha256(orphan).toString();
    try (var server = dev.kiln.registry.RegistryServer.start(dev.kiln.registry.RegistryConfig
        .builder(root).port(0).accessLog(false).build())) {
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
          .newBuilder(server.url().resolve("/v2/gc/app/blobs/uploads/?digest=" + digest))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(orphan))
          .timeout(java.time.Duration.ofSeconds(30)).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
      assertEquals(201, response.statusCode());
    }
    Path data = root.resolve("docker/registry/v2/blobs/sha256/" + digest.substring(7, 9) + "/"
        + digest.substring(7) + "/data");
    Result kept = run("", "registry", "gc", "--root", root.toString(), "--dry-run");
    assertTrue(kept.out().contains("would free 0 blobs"), "within the 1h grace: " + kept.out());
    Result dry = run("", "registry", "gc", "--root", root.toString(), "--dry-run", "--grace", "0s");
    assertEquals(0, dry.exit(), dry.err());
    assertTrue(dry.out().contains("would delete " + digest), dry.out());
    assertTrue(dry.out().contains("would free 1 blobs, " + orphan.length + " bytes"), dry.out());
    assertTrue(Files.exists(data), "a dry run deleted the blob");
    Result real = run("", "registry", "gc", "--root", root.toString(), "--grace", "0s");
    assertEquals(0, real.exit(), real.err());
    assertTrue(real.out().contains("deleted " + digest), real.out());
    assertTrue(Files.notExists(data), "gc left the orphan blob");
  }

  @Test
  void serveRejectsBadFlagsWithOneLine() {
    Result r = run("", "registry", "serve", "--root", temp.toString(), "--addr", "nowhere");
    assertEquals(2, r.exit());
    assertEquals("kiln registry serve: address 'nowhere' is not host:port", r.err().strip());
    Result tls = run("", "registry", "serve", "--root", temp.toString(), "--tls-cert", "x.pem");
    assertEquals(2, tls.exit());
    assertTrue(tls.err().contains("--tls-cert and --tls-key go together"), tls.err());
    Result cfg = run("", "registry", "serve", "--config", temp.resolve("missing.json").toString());
    assertEquals(2, cfg.exit());
    assertTrue(cfg.err().contains("missing.json"), cfg.err());
  }

  @Test
  void serveNamesTheLineOfAMalformedYamlConfig() throws Exception {
    Path file = temp.resolve("registry.yaml");
    Files.writeString(file, "addr: 127.0.0.1:0\nauth: [basic\n");
    Result r = run("", "registry", "serve", "--config", file.toString());
    assertEquals(2, r.exit());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(file + ":3: malformed YAML: "), r.err());
  }
}
