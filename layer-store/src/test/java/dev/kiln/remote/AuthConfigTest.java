package dev.kiln.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthConfigTest {
  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void readsDockerKeysTokensAndIgnoresNamespacedEntries(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(f, "{\"auths\":{"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw:with:colons") + "\"},"
        + "\"https://reg.example:5000\":{\"auth\":\"" + b64("u:p") + "\"},"
        + "\"tok.example\":{\"identitytoken\":\"refresh-me\"},"
        + "\"ns.example/team\":{\"auth\":\"" + b64("team:x") + "\"}},"
        + "\"psFormat\":\"keep me\"}");
    AuthConfig c = AuthConfig.at(f);
    assertEquals(Optional.of(new Credentials("hub", "pw:with:colons")), c.lookup("docker.io"));
    assertEquals(Optional.of(new Credentials("u", "p")), c.lookup("reg.example:5000"));
    assertTrue(c.lookup("tok.example").orElseThrow().isIdentityToken());
    assertEquals(Optional.empty(), c.lookup("ns.example"));
    assertEquals(Optional.empty(), c.lookup("other.example"));
  }

  @Test
  void savesAndErasesKeepingOtherContentPrivate(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("auth.json");
    Files.writeString(f, "{\"auths\":{\"keep.example\":{\"auth\":\"" + b64("k:k") + "\"}},\"x\":1}");
    AuthConfig c = AuthConfig.at(f);
    c.save("127.0.0.1:5000", new Credentials("alice", "s3cret"));
    assertEquals(Optional.of(new Credentials("alice", "s3cret")), c.lookup("127.0.0.1:5000"));
    assertEquals(Optional.of(new Credentials("k", "k")), c.lookup("keep.example"));
    assertTrue(Files.readString(f).contains("\"x\""));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertTrue(c.erase("127.0.0.1:5000"));
    assertFalse(c.erase("127.0.0.1:5000"));
    assertEquals(Optional.empty(), c.lookup("127.0.0.1:5000"));
  }

  @Test
  void environmentPicksPodmanThenDockerFiles(@TempDir Path dir) throws Exception {
    Path podman = dir.resolve("run/containers/auth.json");
    Files.createDirectories(podman.getParent());
    Files.writeString(podman, "{\"auths\":{\"a.example\":{\"auth\":\"" + b64("p:1") + "\"}}}");
    Path docker = dir.resolve("home/.docker/config.json");
    Files.createDirectories(docker.getParent());
    Files.writeString(docker, "{\"auths\":{\"a.example\":{\"auth\":\"" + b64("d:2") + "\"},"
        + "\"b.example\":{\"auth\":\"" + b64("d:3") + "\"}}}");
    AuthConfig c = AuthConfig.fromEnvironment(Map.of("XDG_RUNTIME_DIR", dir.resolve("run").toString()),
        dir.resolve("home"));
    assertEquals("p", c.lookup("a.example").orElseThrow().username());
    assertEquals("d", c.lookup("b.example").orElseThrow().username());
    assertEquals(docker, c.path());
    Path explicit = dir.resolve("explicit.json");
    AuthConfig e = AuthConfig.fromEnvironment(Map.of("REGISTRY_AUTH_FILE", explicit.toString()),
        dir.resolve("home"));
    assertEquals(explicit, e.path());
  }
}
