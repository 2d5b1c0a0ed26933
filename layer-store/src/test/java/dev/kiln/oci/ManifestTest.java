package dev.kiln.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ManifestTest {
  @TestFactory
  Stream<DynamicTest> cases() {
    return Vectors.table("manifest/cases.txt").stream().map(row -> DynamicTest.dynamicTest(
        row.get(0) + " as " + row.get(1), () -> {
          byte[] bytes = Vectors.bytes("manifest/" + row.get(0));
          String contentType = row.get(1).equals("-") ? "" : row.get(1);
          if (row.get(2).contains("/")) {
            RawManifest raw = RawManifest.from(bytes, contentType, row.get(0));
            assertEquals(row.get(2), raw.mediaType());
            // The bytes are kept exactly, and the digest is theirs.
            assertArrayEquals(bytes, raw.bytes());
            assertEquals(Digests.sha256(bytes), raw.digest());
            Manifest m = raw.manifest();
            assertEquals(row.get(2), m.mediaType());
            assertEquals(MediaTypes.isIndex(row.get(2)), m instanceof IndexManifest);
          } else {
            ManifestInvalidException e = assertThrows(ManifestInvalidException.class, () ->
                RawManifest.from(bytes, contentType, row.get(0)).manifest());
            assertEquals(ErrorCode.valueOf(row.get(2)), e.code());
            assertTrue(e.getMessage().startsWith(row.get(0)) || e.getMessage().startsWith("manifest "),
                e.getMessage());
          }
        }));
  }

  @Test
  void parsedFieldsAreThoseOfTheDocument() throws Exception {
    RawManifest raw = RawManifest.from(Vectors.bytes("manifest/valid/oci-image.json"), "", "x");
    ImageManifest m = (ImageManifest) raw.manifest();
    assertEquals(MediaTypes.OCI_CONFIG, m.config().mediaType());
    assertEquals(6, m.config().size());
    assertEquals(1, m.layers().size());
    assertEquals("y", m.layers().get(0).annotations().get("x"));
    assertEquals("2024-01-01T00:00:00Z", m.annotations().get("org.opencontainers.image.created"));

    IndexManifest ix = (IndexManifest) RawManifest.from(
        Vectors.bytes("manifest/valid/oci-index.json"), "", "x").manifest();
    assertEquals(Platform.of("linux", "arm64", "v8"), ix.manifests().get(0).platform().orElseThrow());
    assertEquals(List.of("f"), ix.manifests().get(1).platform().orElseThrow().osFeatures());

    ImageManifest art = (ImageManifest) RawManifest.from(
        Vectors.bytes("manifest/valid/oci-artifact.json"), "", "x").manifest();
    assertEquals("{}", new String(art.config().data(), StandardCharsets.UTF_8));
    assertEquals("application/vnd.example+type", art.artifactType().orElseThrow());
    assertTrue(art.subject().isPresent());
  }

  @Test
  void manifestsKilnWritesRoundTrip() throws Exception {
    Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digests.sha256(new byte[] {1}), 1);
    Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digests.sha256(new byte[] {2}), 1)
        .withAnnotations(java.util.Map.of("b", "2", "a", "1"));
    ImageManifest m = ImageManifest.of(config, List.of(layer));
    RawManifest raw = m.toRaw();
    assertEquals(m, raw.manifest());
    // Writing is deterministic: the same manifest has the same bytes.
    assertArrayEquals(raw.bytes(), ImageManifest.of(config, List.of(layer)).toRaw().bytes());
    assertTrue(new String(raw.bytes(), StandardCharsets.UTF_8).contains("{\"a\":\"1\",\"b\":\"2\"}"));
    IndexManifest ix = IndexManifest.of(List.of(raw.descriptor().withPlatform(Platform.of("linux", "amd64", ""))));
    assertEquals(ix, ix.toRaw().manifest());
  }

  @Test
  void verifiedRejectsWrongDigest() {
    byte[] bytes = Vectors.bytes("manifest/valid/oci-image.json");
    assertThrows(DigestMismatchException.class,
        () -> RawManifest.verified(MediaTypes.OCI_MANIFEST, bytes, Digests.sha256(new byte[0]), "m"));
  }

  @Test
  void mediaTypeParses() {
    MediaType t = MediaType.parse("Application/VND.OCI.image.index.v1+json; charset=\"utf-8\"");
    assertEquals(MediaTypes.OCI_INDEX, t.essence());
    assertEquals("json", t.suffix());
    assertEquals("utf-8", t.parameters().get("charset"));
    assertThrows(OciFormatException.class, () -> MediaType.parse("nonsense"));
  }
}
