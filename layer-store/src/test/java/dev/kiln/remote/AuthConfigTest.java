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

  /** A docker-credential-* helper speaking the helper protocol, keeping entries in files. */
  private static void helper(Path bin, String name) throws Exception {
    Path exe = bin.resolve("docker-credential-" + name);
    Files.createDirectories(bin);
    Files.writeString(exe, """
        #!/bin/sh
        dir="$(dirname "$0")/store-$(basename "$0")"
        mkdir -p "$dir"
        key() { printf %s "$1" | sha256sum | cut -c1-16; }
        case "$1" in
          store)
            in=$(cat)
            url=$(printf %s "$in" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
            [ -n "$url" ] || { echo "no ServerURL"; exit 1; }
            printf %s "$in" > "$dir/$(key "$url")" ;;
          get)
            read -r url
            [ -f "$dir/$(key "$url")" ] || { echo "credentials not found in native keychain"; exit 1; }
            cat "$dir/$(key "$url")" ;;
          erase)
            read -r url
            rm "$dir/$(key "$url")" ;;
          *) echo "unknown action $1"; exit 1 ;;
        esac
        """);
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void credsStoreAndCredHelpersGoThroughHelperPrograms(@TempDir Path dir) throws Exception {
    Path bin = dir.resolve("bin");
    helper(bin, "kilnstore");
    helper(bin, "kilnone");
    Path docker = dir.resolve("docker");
    Files.createDirectories(docker);
    Path f = docker.resolve("config.json");
    Files.writeString(f, "{\"credsStore\":\"kilnstore\",\"credHelpers\":{"
        + "\"one.example:5000\":\"kilnone\",\"gone.example\":\"absent\"}}");
    AuthConfig c = AuthConfig.fromEnvironment(Map.of("DOCKER_CONFIG", docker.toString(),
        "PATH", bin.toString()), dir.resolve("home"));

    assertEquals("credential helper docker-credential-kilnstore",
        c.save("127.0.0.1:5000", new Credentials("alice", "s3cret")));
    assertEquals("credential helper docker-credential-kilnone",
        c.save("one.example:5000", new Credentials("bob", "hunter2")));
    // The secrets went to the helpers, not into the file.
    assertFalse(Files.readString(f).contains("s3cret"), Files.readString(f));
    assertFalse(Files.readString(f).contains("hunter2"), Files.readString(f));
    try (var stored = Files.list(bin.resolve("store-docker-credential-kilnone"))) {
      assertEquals(1, stored.count(), "credHelpers picks the registry's own helper");
    }
    assertEquals(Optional.of(new Credentials("alice", "s3cret")), c.lookup("127.0.0.1:5000"));
    assertEquals(Optional.of(new Credentials("bob", "hunter2")), c.lookup("one.example:5000"));
    assertEquals(Optional.empty(), c.lookup("never.example"), "the helper's not-found is no login");

    assertTrue(c.erase("127.0.0.1:5000"));
    assertEquals(Optional.empty(), c.lookup("127.0.0.1:5000"));
    assertEquals(Optional.of(new Credentials("bob", "hunter2")), c.lookup("one.example:5000"));

    // A helper that is not installed: lookups are anonymous, a login says which program is missing.
    assertEquals(Optional.empty(), c.lookup("gone.example"));
    var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> c.save("gone.example", new Credentials("x", "y")));
    assertTrue(e.getMessage().contains("docker-credential-absent is not installed"), e.getMessage());
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
