package dev.kiln.oci;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.ImageConfig.ContainerConfig;
import dev.kiln.oci.ImageConfig.Healthcheck;
import dev.kiln.oci.ImageConfig.History;
import dev.kiln.oci.ImageConfig.RootFs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageConfigTest {
  static ImageConfig full() {
    ContainerConfig cc = new ContainerConfig("1000:1000", List.of("80/tcp", "53/udp"),
        List.of("PATH=/bin", "A=b"), List.of("/bin/sh", "-c"), List.of("echo hi"), List.of("/data"),
        "/work", Map.of("z", "1", "a", "2"), "SIGTERM", false,
        Optional.of(new Healthcheck(List.of("CMD-SHELL", "true"), Duration.ofSeconds(30),
            Duration.ofSeconds(5), Duration.ZERO, Duration.ofMillis(500), 3)),
        List.of("/bin/sh", "-c"), List.of("RUN true"));
    return new ImageConfig(Optional.of(Instant.parse("2024-05-01T10:00:00.123456789Z")), "me",
        "arm64", "linux", "", List.of(), "v8", cc,
        new RootFs("layers", List.of(Digests.sha256(new byte[] {1}), Digests.sha256(new byte[] {2}))),
        List.of(new History(Optional.of(Instant.parse("2024-05-01T10:00:00Z")), "", "/bin/sh -c x",
            "", false), new History(Optional.empty(), "", "ENV A=b", "c", true)));
  }

  @Test
  void everyFieldRoundTrips() throws Exception {
    ImageConfig c = full();
    byte[] json = c.toJson();
    assertEquals(c, ImageConfig.parse(json));
    assertArrayEquals(json, ImageConfig.parse(json).toJson());
    String text = new String(json, StandardCharsets.UTF_8);
    assertTrue(text.contains("\"diff_ids\":[\"sha256:"), text);
    assertTrue(text.contains("\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}"), text);
    assertTrue(text.contains("\"Labels\":{\"a\":\"2\",\"z\":\"1\"}"), text);
    assertTrue(text.contains("\"empty_layer\":true"), text);
  }

  @Test
  void dockerConfigWithExtraFieldsParses() throws Exception {
    String json = """
        {"architecture":"amd64","os":"linux","docker_version":"24","container":"abc",
         "created":"2023-01-02T03:04:05.5+02:00",
         "config":{"Env":null,"Cmd":["sh"],"Image":"","OnBuild":null,"Labels":null},
         "rootfs":{"type":"layers","diff_ids":["sha256:%s"]},
         "history":[{"created":"2023-01-02T03:04:05Z","created_by":"/bin/sh -c #(nop) CMD [\\"sh\\"]","empty_layer":true}]}
        """.formatted("a".repeat(64));
    ImageConfig c = ImageConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("sh"), c.config().cmd());
    assertEquals(Instant.parse("2023-01-02T01:04:05.5Z"), c.created().orElseThrow());
    assertEquals(1, c.rootfs().diffIds().size());
    assertTrue(c.history().get(0).emptyLayer());
  }

  @Test
  void malformedConfigsAreRejectedWithThePath() {
    for (String json : List.of("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:12\"]}}",
        "{\"config\":{\"Env\":\"A=b\"}}", "{\"created\":\"yesterday\"}", "{\"os\":\"linux\",\"os\":\"x\"}",
        "[]", "{")) {
      ManifestInvalidException e = assertThrows(ManifestInvalidException.class,
          () -> ImageConfig.parse(json.getBytes(StandardCharsets.UTF_8)), json);
      assertTrue(e.getMessage().startsWith("image config: "), e.getMessage());
    }
  }
}
