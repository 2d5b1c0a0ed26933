package dev.kiln.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
  @TempDir Path dir;

  private static GarbageCollector gc(LayoutImageStore store, List<GcRoots> roots, Duration grace) {
    return new GarbageCollector(store, roots, Clock.systemUTC(), grace, Duration.ofSeconds(30));
  }

  private static Set<Digest> blobsOf(LayoutImageStore store, Descriptor m) throws IOException {
    ImageManifest im = store.image(m).manifest();
    Set<Digest> all = new HashSet<>(List.of(m.digest(), im.config().digest()));
    im.layers().forEach(l -> all.add(l.digest()));
    return all;
  }

  @Test
  void unreferencedBlobsGoAndTaggedImagesStay() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor kept = TestImages.oneLayer(store, "keep:1", Map.of("k", "k"), true);
    Descriptor dropped = TestImages.oneLayer(store, "drop:1", Map.of("d", "d"), true);
    Set<Digest> droppedBlobs = blobsOf(store, dropped);
    store.untag(LayoutImageStoreTest.ref("drop:1"));
    GcReport dry = gc(store, List.of(), Duration.ZERO).collect(true);
    assertEquals(3, dry.blobsRemoved());
    assertEquals(6, store.blobs().digests().size());
    GcReport report = gc(store, List.of(), Duration.ZERO).collect(false);
    assertEquals(3, report.blobsRemoved());
    assertEquals(3, report.blobsKept());
    assertEquals(blobsOf(store, kept), new HashSet<>(store.blobs().digests()));
    for (Digest d : droppedBlobs) {
      assertFalse(store.blobs().exists(d));
    }
    dev.kiln.oci.Images.validate(store.image(kept), "kept");
  }

  @Test
  void extraRootsKeepTheirImages() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    Descriptor m = TestImages.oneLayer(store, "c:1", Map.of("c", "c"), false);
    store.untag(LayoutImageStoreTest.ref("c:1"));
    GcReport report = gc(store, List.of(() -> List.of(m)), Duration.ZERO).collect(false);
    assertEquals(0, report.blobsRemoved());
    dev.kiln.oci.Images.validate(store.image(m), "container root");
  }

  @Test
  void youngBlobsSurviveTheGracePeriod() throws IOException {
    LayoutImageStore store = LayoutImageStore.open(dir);
    store.blobs().put(new ByteArrayInputStream(new byte[] {1}), "x/y");
    Clock past = Clock.fixed(Instant.now().minusSeconds(3600), ZoneOffset.UTC);
    GcReport report = new GarbageCollector(store, List.of(), past, Duration.ZERO,
        Duration.ofSeconds(5)).collect(false);
    assertEquals(0, report.blobsRemoved());
    assertEquals(1, store.blobs().digests().size());
  }

  @Test
  void collectionNeverDeletesWhatAConcurrentWriterCommits() throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir);
    AtomicBoolean stop = new AtomicBoolean();
    List<Descriptor> written = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      Future<?> writer = pool.submit(() -> {
        // Half the images share one layer, so commits often find the blob already present.
        for (int i = 0; i < 25 && !stop.get(); i++) {
          written.add(TestImages.oneLayer(store, "w:" + i,
              Map.of("shared", "same", "own", i % 2 == 0 ? "x" : "n" + i), true));
          if (i > 0) {
            store.untag(LayoutImageStoreTest.ref("w:" + (i - 1)));
          }
        }
        return null;
      });
      Future<?> collector = pool.submit(() -> {
        for (int i = 0; i < 40 && !writer.isDone(); i++) {
          gc(store, List.of(), Duration.ZERO).collect(false);
        }
        return null;
      });
      writer.get(120, TimeUnit.SECONDS);
      stop.set(true);
      collector.get(120, TimeUnit.SECONDS);
    }
    // Every tag that remains names a complete image.
    for (TaggedImage t : store.list()) {
      dev.kiln.oci.Images.validate(store.image(t.descriptor()), t.reference().toString());
    }
    assertEquals(1, store.list().size());
    gc(store, List.of(), Duration.ZERO).collect(false);
    assertEquals(blobsOf(store, written.get(written.size() - 1)), new HashSet<>(store.blobs().digests()));
  }
}
