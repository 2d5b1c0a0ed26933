package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients against kiln's registry on 127.0.0.1: skopeo both ways over plain HTTP, TLS with
 * the generated CA and with an openssl-made certificate, Basic and token auth; skopeo --all of a
 * multi-image index; podman push and pull; buildah push; containerd's ctr pull of an image skopeo
 * pushed. The test image is built
 * here from scripts/busybox-rootfs with umoci; nothing comes from the internet.
 */
final class ClientsIT {
  private static final JsonMapper JSON = new JsonMapper();
  private static final Duration T = Duration.ofMinutes(3);

  @TempDir static Path shared;
  @TempDir Path temp;
  private static Path layout;

  @BeforeAll
  static void image() throws Exception {
    Tools.require("skopeo", "umoci", "podman", "buildah", "ctr", "containerd", "openssl");
    Path rootfs = shared.resolve("rootfs");
    Tools.run(T, List.of(Tools.repositoryRoot().resolve("scripts/busybox-rootfs").toString(),
        rootfs.toString()));
    layout = shared.resolve("layout");
    Path bundle = shared.resolve("bundle");
    Tools.run(T, List.of("umoci", "init", "--layout", layout.toString()));
    Tools.run(T, List.of("umoci", "new", "--image", layout + ":base"));
    Tools.run(T, List.of("umoci", "unpack", "--rootless", "--image", layout + ":base",
        bundle.toString()));
    Tools.run(T, List.of("cp", "-a", rootfs + "/.", bundle.resolve("rootfs") + "/"));
    Tools.run(T, List.of("umoci", "repack", "--image", layout + ":base", bundle.toString()));
    Tools.run(T, List.of("umoci", "config", "--image", layout + ":base", "--tag", "other",
        "--config.env", "VARIANT=other", "--config.cmd", "/bin/sh"));
    addIndex(layout, "base", "other", "multi");
  }

  // Writes an OCI index over two tagged images of the layout and tags it.
  private static void addIndex(Path layout, String first, String second, String tag)
      throws IOException {
    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ObjectNode multi = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode manifests = multi.putArray("manifests");
    String[] arch = {"amd64", "arm64"};
    int i = 0;
    for (String name : List.of(first, second)) {
      for (JsonNode d : index.path("manifests")) {
        if (name.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
          ObjectNode copy = manifests.addObject().put("mediaType", d.path("mediaType").asText())
              .put("digest", d.path("digest").asText()).put("size", d.path("size").asLong());
          copy.putObject("platform").put("architecture", arch[i]).put("os", "linux");
        }
      }
      i++;
    }
    assertEquals(2, manifests.size());
    byte[] bytes = JSON.writeValueAsBytes(multi);
    Digest digest = Digests.sha256(bytes);
    Files.write(layout.resolve("blobs/sha256/" + digest.encoded()), bytes);
    ObjectNode ref = ((ArrayNode) index.path("manifests")).addObject()
        .put("mediaType", "application/vnd.oci.image.index.v1+json")
        .put("digest", digest.toString()).put("size", bytes.length);
    ref.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
  }

  private static String manifestDigest(Path layout, String tag) throws IOException {
    for (JsonNode d : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
      if (tag.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        return d.path("digest").asText();
      }
    }
    throw new AssertionError("no tag " + tag + " in " + layout);
  }

  private RegistryServer start(RegistryConfig.Builder b) throws IOException {
    return RegistryServer.start(b.port(0).accessLog(false).build());
  }

  private List<String> skopeo(String... args) {
    List<String> c = new ArrayList<>(List.of("skopeo", "--registries-conf", "/dev/null"));
    c.addAll(List.of(args));
    return c;
  }

  // A private blob-info cache so skopeo does not remember blobs across tests.
  private Map<String, String> env() throws IOException {
    Path home = Files.createDirectories(temp.resolve("home"));
    if (!Files.exists(home.resolve("auth.json"))) {
      Files.writeString(home.resolve("auth.json"), "{\"auths\":{}}");
    }
    return Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString(),
        "REGISTRY_AUTH_FILE", home.resolve("auth.json").toString(),
        "TMPDIR", Files.createDirectories(temp.resolve("tmp")).toString());
  }

  private void roundTrip(RegistryServer server, List<String> destFlags, List<String> srcFlags,
      String repo) throws Exception {
    List<String> push = new ArrayList<>(List.of("copy", "--retry-times", "0"));
    push.addAll(destFlags);
    push.addAll(List.of("oci:" + layout + ":base", "docker://" + server.authority() + "/" + repo
        + ":v1"));
    Tools.run(T, env(), skopeo(push.toArray(String[]::new)));
    Path back = temp.resolve("back-" + System.nanoTime());
    List<String> pull = new ArrayList<>(List.of("copy", "--retry-times", "0"));
    pull.addAll(srcFlags);
    pull.addAll(List.of("docker://" + server.authority() + "/" + repo + ":v1", "oci:" + back
        + ":back"));
    Tools.run(T, env(), skopeo(pull.toArray(String[]::new)));
    assertEquals(manifestDigest(layout, "base"), manifestDigest(back, "back"),
        "the image did not round-trip unchanged");
  }

  @Test
  void skopeoPlainHttpBothWays() throws Exception {
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root")))) {
      roundTrip(server, List.of("--dest-tls-verify=false"), List.of("--src-tls-verify=false"),
          "plain/busybox");
    }
  }

  @Test
  void skopeoTlsWithTheGeneratedCa() throws Exception {
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root")).tls(true))) {
      Path certs = Files.createDirectories(temp.resolve("certs"));
      Files.copy(server.caCertificate().orElseThrow(), certs.resolve("ca.crt"));
      roundTrip(server, List.of("--dest-cert-dir", certs.toString()),
          List.of("--src-cert-dir", certs.toString()), "tls/busybox");
      // Without the CA the certificate is not trusted.
      assertThrows(AssertionError.class, () -> Tools.run(T, env(), skopeo("inspect",
          "--retry-times", "0", "docker://" + server.authority() + "/tls/busybox:v1")));
    }
  }

  @Test
  void skopeoTlsWithAGivenCertificate() throws Exception {
    // A CA and a server certificate for 127.0.0.1 made by openssl, as an operator would.
    Path pki = Files.createDirectories(temp.resolve("pki"));
    List<String> ec = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes");
    List<String> ca = new ArrayList<>(List.of("openssl", "req", "-x509"));
    ca.addAll(ec);
    ca.addAll(List.of("-keyout", pki + "/ca.key", "-out", pki + "/ca.crt", "-days", "2", "-subj",
        "/CN=kiln test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
        "keyUsage=critical,keyCertSign"));
    Tools.run(T, ca);
    List<String> csr = new ArrayList<>(List.of("openssl", "req"));
    csr.addAll(ec);
    csr.addAll(List.of("-keyout", pki + "/server.key", "-out", pki + "/server.csr", "-subj",
        "/CN=127.0.0.1"));
    Tools.run(T, csr);
    Files.writeString(pki.resolve("ext"), "subjectAltName=IP:127.0.0.1\n"
        + "extendedKeyUsage=serverAuth\n");
    Tools.run(T, List.of("openssl", "x509", "-req", "-in", pki + "/server.csr", "-CA",
        pki + "/ca.crt", "-CAkey", pki + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile",
        pki + "/ext", "-out", pki + "/server.crt"));
    Path root = temp.resolve("root");
    try (RegistryServer server = start(RegistryConfig.builder(root)
        .tlsCertificate(pki.resolve("server.crt"), pki.resolve("server.key")))) {
      assertEquals("https", server.url().getScheme());
      assertTrue(server.caCertificate().isEmpty(), "a given certificate needs no generated CA");
      assertTrue(Files.notExists(root.resolve("tls")), "a CA was generated anyway");
      Path certs = Files.createDirectories(temp.resolve("certs"));
      Files.copy(pki.resolve("ca.crt"), certs.resolve("ca.crt"));
      roundTrip(server, List.of("--dest-cert-dir", certs.toString()),
          List.of("--src-cert-dir", certs.toString()), "given/busybox");
    }
  }

  @Test
  void skopeoBasicAuth() throws Exception {
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("alice", "s3cret".toCharArray()) + "\n");
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root"))
        .htpasswd(htpasswd))) {
      roundTrip(server, List.of("--dest-tls-verify=false", "--dest-creds", "alice:s3cret"),
          List.of("--src-tls-verify=false", "--src-creds", "alice:s3cret"), "basic/busybox");
      AssertionError denied = assertThrows(AssertionError.class, () -> Tools.run(T, env(),
          skopeo("copy", "--retry-times", "0", "--dest-tls-verify=false", "--dest-creds",
              "alice:wrong", "oci:" + layout + ":base", "docker://" + server.authority()
                  + "/basic/other:v1")));
      assertTrue(denied.getMessage().contains("unauthorized")
          || denied.getMessage().contains("authentication required"), denied.getMessage());
    }
  }

  @Test
  void skopeoTokenAuth() throws Exception {
    Path htpasswd = temp.resolve("htpasswd");
    Files.writeString(htpasswd, Htpasswd.entry("alice", "s3cret".toCharArray()) + "\n");
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root"))
        .htpasswd(htpasswd).tokenKey(temp.resolve("token.pem")))) {
      roundTrip(server, List.of("--dest-tls-verify=false", "--dest-creds", "alice:s3cret"),
          List.of("--src-tls-verify=false", "--src-creds", "alice:s3cret"), "token/busybox");
      assertThrows(AssertionError.class, () -> Tools.run(T, env(), skopeo("inspect",
          "--retry-times", "0", "--tls-verify=false",
          "docker://" + server.authority() + "/token/busybox:v1")));
    }
  }

  @Test
  void skopeoCopyAllOfAMultiImageIndex() throws Exception {
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root")))) {
      String ref = "docker://" + server.authority() + "/multi/busybox:all";
      Tools.run(T, env(), skopeo("copy", "--all", "--retry-times", "0", "--dest-tls-verify=false",
          "oci:" + layout + ":multi", ref));
      Path back = temp.resolve("back");
      Tools.run(T, env(), skopeo("copy", "--all", "--retry-times", "0", "--src-tls-verify=false",
          ref, "oci:" + back + ":multi"));
      assertEquals(manifestDigest(layout, "multi"), manifestDigest(back, "multi"));
      JsonNode raw = JSON.readTree(Tools.run(T, env(), skopeo("inspect", "--raw",
          "--tls-verify=false", ref)));
      assertEquals(2, raw.path("manifests").size());
    }
  }

  @Test
  void podmanPushPullAndBuildahPush() throws Exception {
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root")))) {
      String host = server.authority();
      Tools.run(T, env(), skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":base",
          "docker://" + host + "/seed/busybox:v1"));
      Path store = temp.resolve("storage");
      Path runroot = Files.createTempDirectory(Path.of("/tmp"), "kr");
      try {
        List<String> podman = List.of("podman", "--root", store.toString(), "--runroot",
            runroot.toString(), "--tmpdir", runroot.resolve("libpod").toString(),
            "--storage-driver", "vfs", "--events-backend", "none");
        List<String> pull = new ArrayList<>(podman);
        pull.addAll(List.of("pull", "--tls-verify=false", host + "/seed/busybox:v1"));
        Tools.run(T, env(), pull);
        List<String> push = new ArrayList<>(podman);
        push.addAll(List.of("push", "--tls-verify=false", host + "/seed/busybox:v1",
            "docker://" + host + "/podman/busybox:v1"));
        Tools.run(T, env(), push);
        List<String> buildah = new ArrayList<>(List.of("buildah", "--root", store.toString(),
            "--runroot", runroot.toString(), "--storage-driver", "vfs", "push", "--tls-verify=false",
            host + "/seed/busybox:v1", "docker://" + host + "/buildah/busybox:v1"));
        Tools.run(T, env(), buildah);
        List<String> again = new ArrayList<>(podman);
        again.addAll(List.of("pull", "--tls-verify=false", host + "/buildah/busybox:v1"));
        Tools.run(T, env(), again);
        for (String repo : List.of("podman/busybox", "buildah/busybox")) {
          JsonNode tags = JSON.readTree(new TestClient(server.url()).get("/v2/" + repo
              + "/tags/list").body());
          assertEquals("v1", tags.path("tags").path(0).asText(), repo);
        }
      } finally {
        // vfs storage is plain directories; `podman system reset` would also wipe the host's
        // shared libpod tmpdir (/run/libpod) under every other podman on the machine.
        Tools.run(Duration.ofMinutes(1), List.of("rm", "-rf", runroot.toString(), store.toString()));
      }
    }
  }

  @Test
  void containerdPullsWhatSkopeoPushed() throws Exception {
    try (RegistryServer server = start(RegistryConfig.builder(temp.resolve("root")))) {
      String ref = server.authority() + "/ctr/busybox:v1";
      Tools.run(T, env(), skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":base",
          "docker://" + ref));
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "kc");
      Path socket = dir.resolve("c.sock");
      Path config = dir.resolve("config.toml");
      Files.writeString(config, "version = 2\nroot = \"" + dir.resolve("root") + "\"\nstate = \""
          + dir.resolve("state") + "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
          + "[grpc]\n  address = \"" + socket + "\"\n[ttrpc]\n  address = \"" + dir.resolve("t.sock")
          + "\"\n");
      Process containerd = new ProcessBuilder("containerd", "--config", config.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(socket) && System.nanoTime() < deadline && containerd.isAlive()) {
          Thread.sleep(100);
        }
        assertTrue(Files.exists(socket), "containerd did not start: "
            + Files.readString(dir.resolve("containerd.log")));
        String out = Tools.run(T, List.of("ctr", "-a", socket.toString(), "-n", "kiln-test",
            "images", "pull", "--plain-http", ref));
        assertTrue(out.contains("done") || out.contains("sha256"), out);
        String list = Tools.run(T, List.of("ctr", "-a", socket.toString(), "-n", "kiln-test",
            "images", "ls"));
        assertTrue(list.contains(manifestDigest(layout, "base")), list);
      } finally {
        containerd.destroy();
        containerd.waitFor();
        Tools.run(Duration.ofMinutes(1), List.of("rm", "-rf", dir.toString()));
      }
    }
  }

}
