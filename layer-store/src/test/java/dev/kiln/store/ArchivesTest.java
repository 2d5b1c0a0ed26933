package dev.kiln.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.OciException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ArchivesTest {
  @TempDir Path dir;

  private LayoutImageStore source() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("src"));
    TestImages.oneLayer(store, "app:1", Map.of("bin/app", "#!/bin/sh\necho app\n"), true);
    TestImages.oneLayer(store, "tool:2", Map.of("bin/tool", "tool"), false);
    return store;
  }

  private static byte[] save(LayoutImageStore store, ArchiveFormat format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Archives.save(store, store.list(), format, out);
    return out.toByteArray();
  }

  /** The store's visible state: index.json and the blob set. */
  private static String state(LayoutImageStore store) throws IOException {
    return Files.readString(store.root().resolve("index.json")) + store.blobs().digests();
  }

  @ParameterizedTest
  @EnumSource(ArchiveFormat.class)
  void saveThenLoadGivesTheSameImages(ArchiveFormat format) throws IOException {
    LayoutImageStore src = source();
    byte[] archive = save(src, format);
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    Archives.Loaded loaded = Archives.load(dst, new ByteArrayInputStream(archive), "a.tar");
    assertEquals(2, loaded.tags().size());
    assertEquals(Set.copyOf(src.list().stream().map(TaggedImage::reference).toList()),
        Set.copyOf(dst.list().stream().map(TaggedImage::reference).toList()));
    for (TaggedImage t : src.list()) {
      LayoutImage before = src.image(t.descriptor());
      LayoutImage after = dst.image(dst.resolve(t.reference().toString()));
      dev.kiln.oci.Images.validate(after, "loaded");
      assertEquals(before.manifest().config().digest(), after.manifest().config().digest());
      assertEquals(before.config().rootfs(), after.config().rootfs());
      if (format == ArchiveFormat.OCI) {
        // OCI archives carry the manifest bytes, so the digest survives.
        assertEquals(t.descriptor().digest(), after.rawManifest().digest());
      }
    }
    assertTrue(Files.list(dst.root().resolve("tmp")).findAny().isEmpty(), "staging left behind");
  }

  @Test
  void aDockerArchiveHasUncompressedLayersNamedByDiffId() throws IOException {
    LayoutImageStore src = source();
    Map<String, byte[]> entries = entries(save(src, ArchiveFormat.DOCKER));
    String manifest = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
    for (TaggedImage t : src.list()) {
      ImageConfig config = src.image(t.descriptor()).config();
      Digest diffId = config.rootfs().diffIds().get(0);
      assertTrue(manifest.contains(diffId.encoded() + ".tar"), manifest);
      assertEquals(diffId, Digests.sha256(entries.get(diffId.encoded() + ".tar")));
      assertTrue(manifest.contains("\"" + t.reference() + "\""), manifest);
    }
  }

  @Test
  void aTruncatedArchiveLeavesTheStoreAsItWas() throws IOException {
    byte[] archive = save(source(), ArchiveFormat.OCI);
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    TestImages.oneLayer(dst, "existing:1", Map.of("e", "e"), false);
    String before = state(dst);
    for (int cut : new int[] {archive.length / 3, archive.length / 2, archive.length - 1500}) {
      IOException e = assertThrows(IOException.class, () -> Archives.load(dst,
          new ByteArrayInputStream(Arrays.copyOf(archive, cut)), "cut.tar"));
      assertTrue(e.getMessage().startsWith("archive cut.tar"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertEquals(before, state(dst));
    }
  }

  @Test
  void aBlobThatDoesNotMatchItsNameIsRejected() throws IOException {
    Map<String, byte[]> entries = entries(save(source(), ArchiveFormat.OCI));
    String victim = entries.keySet().stream().filter(n -> n.startsWith("blobs/")).findFirst().orElseThrow();
    byte[] tampered = entries.get(victim).clone();
    tampered[tampered.length / 2] ^= 1;
    entries.put(victim, tampered);
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    String before = state(dst);
    OciException e = assertThrows(OciException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(entries)), "bad.tar"));
    assertEquals(ErrorCode.DIGEST_INVALID, e.code());
    assertTrue(e.getMessage().contains("bad.tar") && e.getMessage().contains(victim), e.getMessage());
    assertEquals(before, state(dst));
  }

  @Test
  void aDockerLayerThatContradictsTheConfigIsRejected() throws IOException {
    Map<String, byte[]> entries = entries(save(source(), ArchiveFormat.DOCKER));
    String layer = entries.keySet().stream().filter(n -> n.endsWith(".tar")).findFirst().orElseThrow();
    entries.put(layer, TestImages.tar(Map.of("other", "content")));
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    String before = state(dst);
    OciException e = assertThrows(OciException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(entries)), "d.tar"));
    assertEquals(ErrorCode.DIGEST_INVALID, e.code());
    assertTrue(e.getMessage().contains("diffId"), e.getMessage());
    assertEquals(before, state(dst));
  }

  @Test
  void missingLayersAndMalformedJsonAreNamed() throws IOException {
    Map<String, byte[]> docker = entries(save(source(), ArchiveFormat.DOCKER));
    String layer = docker.keySet().stream().filter(n -> n.endsWith(".tar")).findFirst().orElseThrow();
    Map<String, byte[]> missing = new LinkedHashMap<>(docker);
    missing.remove(layer);
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    String before = state(dst);
    IOException e1 = assertThrows(IOException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(missing)), "m.tar"));
    assertTrue(e1.getMessage().contains(layer) && e1.getMessage().contains("not in the archive"),
        e1.getMessage());
    Map<String, byte[]> malformed = new LinkedHashMap<>(docker);
    malformed.put("manifest.json", "[{\"Config\":".getBytes(StandardCharsets.UTF_8));
    IOException e2 = assertThrows(IOException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(malformed)), "j.tar"));
    assertTrue(e2.getMessage().startsWith("archive j.tar: manifest.json"), e2.getMessage());
    Map<String, byte[]> oci = entries(save(source(), ArchiveFormat.OCI));
    String blob = oci.keySet().stream().filter(n -> n.startsWith("blobs/")).findFirst().orElseThrow();
    oci.remove(blob);
    OciException e3 = assertThrows(OciException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(oci)), "o.tar"));
    assertTrue(e3.getMessage().contains("not in the archive"), e3.getMessage());
    IOException e4 = assertThrows(IOException.class,
        () -> Archives.load(dst, new ByteArrayInputStream("not a tar at all".getBytes(StandardCharsets.UTF_8)), "x.tar"));
    assertTrue(e4.getMessage().startsWith("archive x.tar"), e4.getMessage());
    assertEquals(before, state(dst));
  }

  @Test
  void badNamesInAnArchiveAreRejected() throws IOException {
    Map<String, byte[]> docker = entries(save(source(), ArchiveFormat.DOCKER));
    String manifest = new String(docker.get("manifest.json"), StandardCharsets.UTF_8)
        .replace("docker.io/library/app:1", "Bad Name:1");
    docker.put("manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    OciException e = assertThrows(OciException.class,
        () -> Archives.load(dst, new ByteArrayInputStream(tar(docker)), "n.tar"));
    assertEquals(ErrorCode.NAME_INVALID, e.code());
    assertTrue(e.getMessage().contains("Bad Name:1"), e.getMessage());
    assertTrue(dst.list().isEmpty());
  }

  @Test
  void gzippedArchivesLoad() throws IOException {
    byte[] archive = save(source(), ArchiveFormat.DOCKER);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(archive);
    }
    LayoutImageStore dst = LayoutImageStore.open(dir.resolve("dst"));
    assertEquals(2, Archives.load(dst, new ByteArrayInputStream(gz.toByteArray()), "a.tar.gz").tags().size());
  }

  static Map<String, byte[]> entries(byte[] archive) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        out.put(e.getName(), tar.readAllBytes());
      }
    }
    return out;
  }

  static byte[] tar(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
