package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file in both its forms, YAML and JSON, and its one-line errors. */
class ConfigFileTest {
  @TempDir Path temp;

  private static final String JSON = """
      {"addr": "127.0.0.1:5001", "root": "data", "readOnly": true, "delete": false,
       "validateReferences": false, "uploadTtl": "2h", "chunkMinLength": 1024,
       "chunkMaxLength": 1048576, "accessLog": false,
       "auth": {"mode": "token", "htpasswd": "users.htpasswd", "access": "access.json",
                "anonymousPull": ["public/*", "mirror/**"],
                "token": {"key": "token.pem", "alg": "RS256", "service": "svc", "issuer": "iss",
                          "ttl": "10m", "realm": "https://reg.example/token"}},
       "tls": {"cert": "chain.pem", "key": "key.pem", "hosts": ["reg.example"]}}
      """;

  private static final String YAML = """
      # the same settings as JSON above
      addr: 127.0.0.1:5001
      root: data
      readOnly: true
      delete: false
      validateReferences: false
      uploadTtl: 2h
      chunkMinLength: 1024
      chunkMaxLength: 1048576
      accessLog: false
      auth:
        mode: token
        htpasswd: users.htpasswd
        access: access.json
        anonymousPull:
          - public/*
          - mirror/**
        token: {key: token.pem, alg: RS256, service: svc, issuer: iss, ttl: 10m,
                realm: "https://reg.example/token"}
      tls:
        cert: chain.pem
        key: key.pem
        hosts: [reg.example]
      """;

  private RegistryConfig read(String name, String text) throws IOException {
    Path file = temp.resolve(name);
    Files.writeString(file, text);
    return RegistryConfig.builder(temp.resolve("default")).file(file).build();
  }

  @Test
  void yamlAndJsonGiveTheSameConfig() throws Exception {
    RegistryConfig json = read("registry.json", JSON);
    assertEquals(json, read("registry.yaml", YAML));
    assertEquals(json, read("registry.yml", YAML));
    assertEquals(json, read("registry.conf", YAML), "YAML by content");
    assertEquals(json, read("registry.conf", JSON), "JSON by content");
    // and the settings really were read, not left at their defaults
    assertEquals("127.0.0.1", json.host());
    assertEquals(5001, json.port());
    assertEquals(temp.resolve("data").toAbsolutePath(), json.root().toAbsolutePath());
    assertTrue(json.readOnly());
    assertFalse(json.deleteEnabled());
    assertFalse(json.validateReferences());
    assertEquals(Duration.ofHours(2), json.uploadTtl());
    assertEquals(1024, json.chunkMinLength());
    assertEquals(RegistryConfig.Auth.TOKEN, json.auth());
    assertEquals(Optional.of(temp.resolve("users.htpasswd").toAbsolutePath()), json.htpasswd());
    assertEquals(List.of("public/*", "mirror/**"), json.anonymousPull());
    assertTrue(json.tokenRsa());
    assertEquals(Duration.ofMinutes(10), json.tokenTtl());
    assertEquals(Optional.of("https://reg.example/token"), json.tokenRealm());
    assertTrue(json.tls());
    assertEquals(List.of("reg.example"), json.tlsHosts());
  }

  @Test
  void flagsOverrideTheFile() throws Exception {
    Path file = temp.resolve("registry.yaml");
    Files.writeString(file, "addr: 127.0.0.1:5001\nuploadTtl: 2h\n");
    RegistryConfig c = RegistryConfig.builder(temp).file(file).port(0).build();
    assertEquals(0, c.port());
    assertEquals(Duration.ofHours(2), c.uploadTtl());
  }

  @Test
  void malformedFilesAreOneLineNamingFileAndLine() throws Exception {
    IOException yaml = assertThrows(IOException.class,
        () -> read("bad.yaml", "addr: 127.0.0.1:5000\nauth:\n  mode: basic\n mode: token\n"));
    assertOneLine(yaml, "bad.yaml:4: malformed YAML: ");
    IOException json = assertThrows(IOException.class,
        () -> read("bad.json", "{\"addr\": \"127.0.0.1:5000\",\n\"delete\": tru\n}"));
    assertOneLine(json, "bad.json:2: malformed JSON: ");
    IOException sniffed = assertThrows(IOException.class,
        () -> read("bad.conf", "root: data\nroot: other\n"));
    assertOneLine(sniffed, "bad.conf:2: malformed YAML: ");
    assertTrue(sniffed.getMessage().contains("root"), "names the duplicate key");
  }

  @Test
  void badSettingsAndShapesNameTheFile() throws Exception {
    IOException addr = assertThrows(IOException.class, () -> read("a.yaml", "addr: nocolon\n"));
    assertOneLine(addr, "a.yaml: address 'nocolon' is not host:port");
    IOException list = assertThrows(IOException.class, () -> read("l.yaml", "- a\n- b\n"));
    assertOneLine(list, "l.yaml: the config must be a mapping of settings");
    IOException empty = assertThrows(IOException.class, () -> read("e.yml", ""));
    assertOneLine(empty, "e.yml: the config must be a mapping of settings");
  }

  private static void assertOneLine(IOException e, String prefix) {
    String m = e.getMessage();
    assertTrue(m.contains(prefix), m);
    assertFalse(m.contains("\n"), m);
  }
}
