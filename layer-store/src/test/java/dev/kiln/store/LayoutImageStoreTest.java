package dev.kiln.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutImageStoreTest {
  @TempDir Path dir;

  static Reference ref(String text) {
    return Reference.parse(text, Reference.Defaults.DOCKER_HUB);
  }

  @Test
  void aNewStoreIsAnOciLayout() throws IOException {
    LayoutImageStore.open(dir);
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(dir.resolve("oci-layout")));
    String index = Files.readString(dir.resolve("index.json"));
    assertTrue(index.contains("\"schemaVersion\":2"), index);
    assertTrue(index.contains("\"manifests\":[]"), index);
    assertTrue(Files.isDirectory(dir.resolve("blobs/sha256")));
  }

  @Test
  void tagsAreRefNameAnnotations() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor m = TestImages.oneLayer(store, "app:1", Map.of("a.txt", "a"), true);
    String index = Files.readString(dir.resolve("index.json"));
    assertTrue(index.contains("\"org.opencontainers.image.ref.name\":\"docker.io/library/app:1\""), index);
    assertEquals(List.of(new TaggedImage(ref("app:1"), m)), store.list());
    assertEquals(m, store.resolve("app:1"));
    assertEquals(m, store.resolve("docker.io/library/app:1"));
    assertEquals(m, store.resolve(m.digest().toString()));
    assertEquals(m, store.resolve(m.digest().encoded().substring(0, 12)));
    assertEquals(m, store.resolve("app@" + m.digest()));
  }

  @Test
  void retaggingMovesTheTagAndUntagRemovesIt() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor one = TestImages.oneLayer(store, "app:1", Map.of("a", "1"), false);
    Descriptor two = TestImages.oneLayer(store, "app:1", Map.of("a", "2"), false);
    assertNotEquals(one, two);
    assertEquals(List.of(new TaggedImage(ref("app:1"), two)), store.list());
    store.tag(ref("app:latest"), two);
    assertEquals(2, store.list().size());
    assertTrue(store.untag(ref("app:1")));
    assertFalse(store.untag(ref("app:1")));
    assertEquals(List.of(new TaggedImage(ref("app:latest"), two)), store.list());
  }

  @Test
  void taggingWithTheTagAnImageAlreadyHasLeavesTheIndexAlone() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor one = TestImages.oneLayer(store, "app:1", Map.of("a", "1"), false);
    Path index = dir.resolve("index.json");
    Object inode = Files.getAttribute(index, "unix:ino");
    store.tag(ref("app:1"), one);
    // every write of index.json is a new file renamed into place: the same inode means no write
    assertEquals(inode, Files.getAttribute(index, "unix:ino"));
    store.tag(ref("app:2"), one);
    assertNotEquals(inode, Files.getAttribute(index, "unix:ino"));
    assertEquals(2, store.list().size());
  }

  @Test
  void unknownNamesAreManifestUnknown() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    ManifestUnknownException e =
        assertThrows(ManifestUnknownException.class, () -> store.resolve("nothere"));
    assertEquals(ErrorCode.MANIFEST_UNKNOWN, e.code());
    assertTrue(e.getMessage().contains("docker.io/library/nothere:latest"), e.getMessage());
    assertThrows(OciFormatException.class, () -> store.resolve("Bad Name"));
  }

  @Test
  void aManifestWithMissingBlobsIsRefused() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digests.sha256(new byte[] {9}), 1);
    OciException e = assertThrows(OciException.class,
        () -> store.putManifest(ImageManifest.of(config, List.of()).toRaw()));
    assertEquals(ErrorCode.MANIFEST_BLOB_UNKNOWN, e.code());
    assertTrue(e.getMessage().contains(config.digest().toString()), e.getMessage());
    assertTrue(store.blobs().digests().isEmpty());
  }

  @Test
  void imagesReadBackWithConfigAndLayers() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor m = TestImages.oneLayer(store, "app:1", Map.of("etc/hello", "hi"), true);
    LayoutImage image = store.image(m);
    assertEquals(1, image.layers().size());
    try (InputStream in = image.layers().get(0).openUncompressed()) {
      assertEquals(image.config().rootfs().diffIds().get(0), Digests.of("sha256", in));
    }
    dev.kiln.oci.Images.validate(image, "app:1");
  }

  @Test
  void concurrentTaggersInOneProcessLoseNoTag() throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor m = TestImages.oneLayer(store, "base:1", Map.of("a", "a"), false);
    List<Future<?>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            store.tag(ref("t" + thread + ":" + i), m);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    assertEquals(81, store.list().size());
  }

  @Test
  void concurrentTaggerProcessesLoseNoTag() throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir);
    TestImages.oneLayer(store, "base:1", Map.of("a", "a"), false);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          TagWorker.class.getName(), dir.toString(), "p" + p, "15")
          .redirectErrorStream(true).start());
    }
    for (Process process : processes) {
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "tagger process timed out");
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(), output);
    }
    Set<String> names = new HashSet<>();
    store.list().forEach(t -> names.add(t.reference().toString()));
    assertEquals(1 + 3 * 15, names.size(), names.toString());
  }

  @Test
  void anUnwritableRootIsAOneLineError() throws IOException {
    Path file = dir.resolve("plain-file");
    Files.writeString(file, "x");
    IOException e = assertThrows(IOException.class, () -> LayoutImageStore.open(file.resolve("root")));
    assertTrue(e.getMessage().contains(file.resolve("root").toString()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
