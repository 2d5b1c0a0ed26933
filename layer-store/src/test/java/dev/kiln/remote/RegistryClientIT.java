package dev.kiln.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.Images;
import dev.kiln.oci.OciException;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.oci.UnauthorizedException;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against CNCF Distribution (Debian's docker-registry) and the real skopeo and podman:
 * round trips both ways, Basic auth over TLS, token auth, and faults injected by a proxy.
 */
class RegistryClientIT {
  @TempDir static Path shared;
  static Distribution registry;
  static RegistryClient client;

  @BeforeAll
  static void start() throws Exception {
    registry = Distribution.start(shared.resolve("plain"), Optional.empty(), Optional.empty());
    client = RegistryClient.builder().insecure(Set.of(registry.host())).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  /** Counts outcomes per blob, to assert what a transfer did. */
  static final class Counting implements TransferListener {
    final Map<Digest, Outcome> outcomes = new ConcurrentHashMap<>();

    @Override
    public void finished(Descriptor blob, Outcome outcome) {
      outcomes.put(blob.digest(), outcome);
    }

    long count(Outcome o) {
      return outcomes.values().stream().filter(o::equals).count();
    }
  }

  static Reference ref(String host, String rest) {
    return Reference.parse(host + "/" + rest, Reference.Defaults.DOCKER_HUB);
  }

  static List<String> skopeo(String... args) {
    Peers.require("skopeo", "skopeo");
    List<String> cmd = new ArrayList<>(List.of("skopeo"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  @Test
  void kilnPushIsReadBySkopeoAndPodmanIdentically(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "test/app:1", 3, 300_000, 1);
    Reference dest = ref(registry.host(), "round/app:1");
    Counting first = new Counting();
    Digest pushed = client.push(store.blobs(), image, dest, new PushOptions(List.of(), first));
    assertEquals(image.digest(), pushed);
    assertEquals(4, first.count(TransferListener.Outcome.PUSHED));

    // skopeo reads the very manifest bytes and every blob.
    String raw = Peers.ok(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + dest));
    assertEquals(image.digest(), Digests.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Path copy = dir.resolve("copy");
    Peers.ok(skopeo("copy", "--src-tls-verify=false", "docker://" + dest, "dir:" + copy));
    assertArrayEquals(image.bytes(), Files.readAllBytes(copy.resolve("manifest.json")));
    for (Descriptor d : ((ImageManifest) image.manifest()).layers()) {
      assertArrayEquals(Files.readAllBytes(store.blobs().path(d.digest())),
          Files.readAllBytes(copy.resolve(d.digest().encoded())));
    }

    // podman pulls it and records the same manifest digest.
    Peers.require("podman", "podman");
    Path runroot = Files.createTempDirectory(Path.of("/tmp"), "kr");
    List<String> podman = List.of("podman", "--root", dir.resolve("podman").toString(),
        "--runroot", runroot.toString(), "--tmpdir", runroot.resolve("libpod").toString(),
        "--storage-driver", "vfs", "--events-backend", "none");
    List<String> pull = new ArrayList<>(podman);
    pull.addAll(List.of("pull", "-q", "--tls-verify=false", dest.toString()));
    Peers.ok(pull);
    List<String> inspect = new ArrayList<>(podman);
    inspect.addAll(List.of("image", "inspect", "--format", "{{.Digest}}", dest.toString()));
    assertEquals(image.digest().toString(), Peers.ok(inspect).strip());

    // A second push sends nothing: every blob is already there.
    Counting again = new Counting();
    client.push(store.blobs(), image, dest, new PushOptions(List.of(), again));
    assertEquals(4, again.count(TransferListener.Outcome.EXISTS));

    // Another repository of the same registry gets the blobs by mount, not upload.
    Counting mount = new Counting();
    client.push(store.blobs(), image, ref(registry.host(), "other/app:1"),
        new PushOptions(List.of("round/app"), mount));
    assertEquals(4, mount.count(TransferListener.Outcome.MOUNTED));
  }

  @Test
  void skopeoAndPodmanPushesAreReadByKiln(@TempDir Path dir) throws Exception {
    LayoutImageStore source = LayoutImageStore.open(dir.resolve("source"));
    RawManifest image = Fixtures.image(source, "src/app:1", 2, 200_000, 2);
    Reference dest = ref(registry.host(), "fromskopeo/app:1");
    Peers.ok(skopeo("copy", "--dest-tls-verify=false",
        "oci:" + source.root() + ":docker.io/src/app:1", "docker://" + dest));

    // skopeo compresses the tar layers for a registry: what it pushed is what kiln must pull.
    String pushed = Peers.ok(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + dest));
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    PullResult result = client.pull(dest, store.blobs(), PullOptions.defaults());
    assertEquals(Digests.sha256(pushed.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        result.manifest().digest());
    assertEquals(((ImageManifest) image.manifest()).layers().size(),
        ((ImageManifest) result.manifest().manifest()).layers().size());
    store.tag(dest, store.putManifest(result.manifest()));
    Images.validate(store.image(store.resolve(dest.toString())), "pulled image");

    // podman pushes a Docker schema 2 image (its own compression); kiln pulls and verifies it.
    Peers.require("podman", "podman");
    Path runroot = Files.createTempDirectory(Path.of("/tmp"), "kr");
    List<String> podman = List.of("podman", "--root", dir.resolve("podman").toString(),
        "--runroot", runroot.toString(), "--tmpdir", runroot.resolve("libpod").toString(),
        "--storage-driver", "vfs", "--events-backend", "none");
    List<String> pull = new ArrayList<>(podman);
    pull.addAll(List.of("pull", "-q", "--tls-verify=false", dest.toString()));
    Peers.ok(pull);
    Reference podmanDest = ref(registry.host(), "frompodman/app:2");
    List<String> push = new ArrayList<>(podman);
    push.addAll(List.of("push", "-q", "--tls-verify=false", "--format", "v2s2", dest.toString(),
        "docker://" + podmanDest));
    Peers.ok(push);
    Counting counting = new Counting();
    PullResult fromPodman = client.pull(podmanDest, store.blobs(),
        PullOptions.defaults().withListener(counting));
    assertEquals(dev.kiln.oci.MediaTypes.DOCKER_MANIFEST, fromPodman.manifest().mediaType());
    store.tag(podmanDest, store.putManifest(fromPodman.manifest()));
    Images.validate(store.image(store.resolve(podmanDest.toString())), "pulled image");
    // podman re-used skopeo's compressed layers: those were present, nothing fetched twice.
    int blobs = ((ImageManifest) fromPodman.manifest().manifest()).layers().size() + 1;
    assertEquals(blobs, counting.count(TransferListener.Outcome.FETCHED)
        + counting.count(TransferListener.Outcome.PRESENT));
    assertTrue(counting.count(TransferListener.Outcome.PRESENT) >= 1, counting.outcomes.toString());
  }

  @Test
  void basicAuthOverTlsSharesLoginsWithPodman(@TempDir Path dir) throws Exception {
    Path[] cert = Peers.selfSignedCert(dir);
    try (Distribution secure = Distribution.start(dir.resolve("reg"),
        Optional.of(Peers.htpasswd(dir, "alice", "s3cret")), Optional.of(cert))) {
      Path authFile = dir.resolve("auth.json");
      AuthConfig auth = AuthConfig.at(authFile);
      RegistryClient tls = RegistryClient.builder().caFile(cert[0]).credentials(auth::lookup).build();

      // Without the CA the TLS failure names the registry and the fix.
      RegistryClient untrusting = RegistryClient.builder().build();
      OciException tlsError = assertThrows(OciException.class,
          () -> untrusting.login(secure.host(), new Credentials("alice", "s3cret")));
      assertTrue(tlsError.getMessage().contains(secure.host()) && tlsError.getMessage().contains("--tls-ca"),
          tlsError.getMessage());

      UnauthorizedException wrong = assertThrows(UnauthorizedException.class,
          () -> tls.login(secure.host(), new Credentials("alice", "wrong")));
      assertTrue(wrong.getMessage().contains(secure.host()), wrong.getMessage());
      assertFalse(wrong.getMessage().contains("wrong"), "no secret in messages: " + wrong.getMessage());

      // podman logs in; kiln uses that login to push.
      Peers.require("podman", "podman");
      Peers.ok(List.of("podman", "login", "--authfile", authFile.toString(), "--tls-verify=false",
          "-u", "alice", "--password-stdin", secure.host()), "s3cret\n", null);
      assertEquals(Optional.of(new Credentials("alice", "s3cret")), auth.lookup(secure.host()));
      LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
      RawManifest image = Fixtures.image(store, "auth/app:1", 1, 50_000, 3);
      Reference dest = ref(secure.host(), "auth/app:1");
      tls.push(store.blobs(), image, dest, PushOptions.defaults());

      // kiln writes the login; skopeo reads it back from the same file.
      Peers.ok(List.of("podman", "logout", "--authfile", authFile.toString(), secure.host()));
      assertEquals(Optional.empty(), auth.lookup(secure.host()));
      tls.login(secure.host(), new Credentials("alice", "s3cret"));
      auth.save(secure.host(), new Credentials("alice", "s3cret"));
      String raw = Peers.ok(skopeo("inspect", "--raw", "--tls-verify=false", "--authfile",
          authFile.toString(), "docker://" + dest));
      assertEquals(image.digest(), Digests.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertTrue(auth.erase(secure.host()));
      assertEquals(Optional.empty(), auth.lookup(secure.host()));
    }
  }

  @Test
  void bearerTokensAreFetchedForAllScopesAndCached(@TempDir Path dir) throws Exception {
    try (TestProxy proxy = new TestProxy(registry.host())) {
      proxy.requireTokens("bob", "pw");
      Map<String, Credentials> creds = Map.of(proxy.host(), new Credentials("bob", "pw"));
      RegistryClient tokens = RegistryClient.builder().insecure(Set.of(proxy.host()))
          .credentials(r -> Optional.ofNullable(creds.get(r))).build();
      LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
      RawManifest image = Fixtures.image(store, "tok/app:1", 3, 20_000, 4);
      tokens.push(store.blobs(), image, ref(proxy.host(), "tok/app:1"), PushOptions.defaults());
      // One token covers every blob and the manifest of the push.
      assertEquals(1, proxy.tokenRequests.get(), proxy.log.toString());

      LayoutImageStore other = LayoutImageStore.open(dir.resolve("other"));
      PullResult pulled = tokens.pull(ref(proxy.host(), "tok/app:1"), other.blobs(), PullOptions.defaults());
      assertEquals(image.digest(), pulled.manifest().digest());
      assertEquals(2, proxy.tokenRequests.get(), "pull scope is a second token");
      // The first token answer carried a refresh token (offline_token): the second scope's token
      // came from it, without the password.
      assertEquals(1, proxy.refreshGrants.get(), proxy.log.toString());

      RegistryClient wrong = RegistryClient.builder().insecure(Set.of(proxy.host()))
          .credentials(r -> Optional.of(new Credentials("bob", "nope"))).build();
      UnauthorizedException e = assertThrows(UnauthorizedException.class,
          () -> wrong.pull(ref(proxy.host(), "tok/app:1"), other.blobs(), PullOptions.defaults()));
      assertTrue(e.getMessage().contains("kiln login"), e.getMessage());

      proxy.garbageTokens(true);
      RegistryClient fresh = RegistryClient.builder().insecure(Set.of(proxy.host()))
          .credentials(r -> Optional.ofNullable(creds.get(r))).build();
      OciException garbage = assertThrows(OciException.class,
          () -> fresh.manifest(ref(proxy.host(), "tok/app:1")));
      assertTrue(garbage.getMessage().contains("not a token"), garbage.getMessage());
    }
  }

  @Test
  void pullsResumeAfterCutsAndRetryTemporaryErrors(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "fault/app:1", 2, 400_000, 5);
    client.push(store.blobs(), image, ref(registry.host(), "fault/app:1"), PushOptions.defaults());
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient viaProxy = RegistryClient.builder().insecure(Set.of(proxy.host())).build();
      Reference src = ref(proxy.host(), "fault/app:1");

      proxy.fault(TestProxy.Fault.CUT_MID_BODY, l -> l.startsWith("GET") && l.contains("/blobs/"), 2);
      LayoutImageStore a = LayoutImageStore.open(dir.resolve("a"));
      assertEquals(image.digest(), viaProxy.pull(src, a.blobs(), PullOptions.defaults()).manifest().digest());
      assertTrue(proxy.log.stream().anyMatch(l -> l.contains("Range:bytes=")), "resumed with Range: " + proxy.log);
      Images.validate(new dev.kiln.store.LayoutImage(a.blobs(), image), "pulled image");

      proxy.fault(TestProxy.Fault.STATUS_500, l -> l.contains("/manifests/"), 2);
      LayoutImageStore b = LayoutImageStore.open(dir.resolve("b"));
      assertEquals(image.digest(), viaProxy.pull(src, b.blobs(), PullOptions.defaults()).manifest().digest());

      proxy.fault(TestProxy.Fault.STATUS_429, l -> l.contains("/blobs/"), 1);
      long t0 = System.nanoTime();
      LayoutImageStore c = LayoutImageStore.open(dir.resolve("c"));
      viaProxy.pull(src, c.blobs(), PullOptions.defaults());
      assertTrue(System.nanoTime() - t0 >= 900_000_000L, "Retry-After: 1 was honoured");
    }
  }

  @Test
  void corruptBlobsAreNeverStored(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "corrupt/app:1", 1, 100_000, 6);
    client.push(store.blobs(), image, ref(registry.host(), "corrupt/app:1"), PushOptions.defaults());
    Descriptor layer = ((ImageManifest) image.manifest()).layers().get(0);
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient viaProxy = RegistryClient.builder().insecure(Set.of(proxy.host())).build();
      proxy.fault(TestProxy.Fault.FLIP_BYTE, l -> l.contains("/blobs/" + layer.digest()), 100);
      LayoutImageStore target = LayoutImageStore.open(dir.resolve("target"));
      OciException e = assertThrows(OciException.class,
          () -> viaProxy.pull(ref(proxy.host(), "corrupt/app:1"), target.blobs(), PullOptions.defaults()));
      assertEquals(ErrorCode.DIGEST_INVALID, e.code());
      assertTrue(e.getMessage().contains(layer.digest().toString()) && e.getMessage().contains("not stored"),
          e.getMessage());
      assertFalse(target.blobs().exists(layer.digest()));
      assertFalse(target.blobs().exists(image.digest()), "no manifest without its blobs");
      try (var tmp = Files.list(target.root().resolve("tmp"))) {
        assertEquals(0, tmp.count(), "no partial files left");
      }

      // A manifest altered in transit is refused when pulled by digest.
      proxy.fault(TestProxy.Fault.FLIP_BYTE, l -> l.contains("/manifests/"), 1);
      assertThrows(DigestMismatchException.class, () -> viaProxy.manifest(
          ref(proxy.host(), "corrupt/app@" + image.digest())));
    }
  }

  @Test
  void aFailedBlobStopsTheOthersStillDownloading(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "cancel/app:1", 2, 2 << 20, 12);
    client.push(store.blobs(), image, ref(registry.host(), "cancel/app:1"), PushOptions.defaults());
    List<Descriptor> layers = ((ImageManifest) image.manifest()).layers();
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient viaProxy = RegistryClient.builder().insecure(Set.of(proxy.host())).build();
      // One layer arrives corrupted every time; the other at 160 KiB/s, ~13 s for all of it.
      proxy.fault(TestProxy.Fault.FLIP_BYTE, l -> l.contains("/blobs/" + layers.get(0).digest()), 100);
      proxy.trickle(l -> l.contains("/blobs/" + layers.get(1).digest()));
      LayoutImageStore target = LayoutImageStore.open(dir.resolve("target"));
      long t0 = System.nanoTime();
      OciException e = assertThrows(OciException.class,
          () -> viaProxy.pull(ref(proxy.host(), "cancel/app:1"), target.blobs(), PullOptions.defaults()));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(ErrorCode.DIGEST_INVALID, e.code(), e.getMessage());
      // The slow download stops at its next socket read (Okio checks the interrupt that the
      // cancel sets on its platform thread) instead of finishing its 2 MiB.
      assertTrue(seconds < 9, "the pull failed only after " + seconds + " s");
      assertFalse(target.blobs().exists(layers.get(1).digest()), "the cancelled blob was stored");
    }
  }

  @Test
  void pushInterruptedByDyingRegistryResumesWithOnlyMissingBlobs(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "dying/app:1", 4, 100_000, 7);
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient viaProxy = RegistryClient.builder().insecure(Set.of(proxy.host())).parallelism(1).build();
      Reference dest = ref(proxy.host(), "dying/app:1");
      // After the first two uploads land, the registry dies for good.
      int[] puts = {0};
      proxy.fault(TestProxy.Fault.DEAD, l -> {
        if (puts[0] >= 2) {
          return true;
        }
        if (l.startsWith("PUT")) {
          puts[0]++;
        }
        return false;
      }, 1_000);
      OciException e = assertThrows(OciException.class,
          () -> viaProxy.push(store.blobs(), image, dest, PushOptions.defaults()));
      assertTrue(e.getMessage().contains(proxy.host()), e.getMessage());
      proxy.fault(TestProxy.Fault.NONE, l -> false, 0);
      Counting again = new Counting();
      viaProxy.push(store.blobs(), image, dest, new PushOptions(List.of(), again));
      assertTrue(again.count(TransferListener.Outcome.EXISTS) >= 2, again.outcomes.toString());
      assertEquals(5, again.count(TransferListener.Outcome.EXISTS) + again.count(TransferListener.Outcome.PUSHED));
      assertEquals(image.digest(), client.manifest(ref(registry.host(), "dying/app:1")).digest());
    }
  }

  @Test
  void largeBlobsTravelInChunksAndRanges(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "big/app:1", 1, 3_000_000, 8);
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient small = RegistryClient.builder().insecure(Set.of(proxy.host()))
          .sizes(1 << 20, 1 << 20, 1 << 20).build();
      Reference dest = ref(proxy.host(), "big/app:1");
      // One chunk fails with 500: the upload asks where it stands and resumes.
      proxy.fault(TestProxy.Fault.STATUS_500, l -> l.startsWith("PATCH"), Integer.getInteger("faults", 1));
      try {
        small.push(store.blobs(), image, dest, PushOptions.defaults());
      } catch (OciException e) {
        throw new AssertionError(e.getMessage() + " " + proxy.log, e);
      }
      assertTrue(proxy.log.stream().filter(l -> l.startsWith("PATCH")).count() >= 3, proxy.log.toString());

      LayoutImageStore target = LayoutImageStore.open(dir.resolve("target"));
      proxy.log.clear();
      small.pull(dest, target.blobs(), PullOptions.defaults());
      assertTrue(proxy.log.stream().filter(l -> l.contains("Range:bytes=")).count() >= 3, proxy.log.toString());
      Images.validate(new dev.kiln.store.LayoutImage(target.blobs(), image), "pulled image");
    }
  }

  @Test
  void layerTapSeesEveryLayerByteInOrderWhileDownloading(@TempDir Path dir) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "tap/app:1", 2, 500_000, 9);
    client.push(store.blobs(), image, ref(registry.host(), "tap/app:1"), PushOptions.defaults());
    try (TestProxy proxy = new TestProxy(registry.host())) {
      RegistryClient viaProxy = RegistryClient.builder().insecure(Set.of(proxy.host())).build();
      // A cut mid-blob must not show the tap any byte twice.
      proxy.fault(TestProxy.Fault.CUT_MID_BODY, l -> l.startsWith("GET") && l.contains("/blobs/"), 1);
      Map<Digest, Digest> seen = new ConcurrentHashMap<>();
      LayerTap tap = (layer, diffId) -> Optional.of(new LayerTap.Sink() {
        final dev.kiln.oci.Digester digester = dev.kiln.oci.Digester.sha256();

        @Override
        public void write(int b) {
          digester.update(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          digester.update(b, off, len);
        }

        @Override
        public void close() {
          seen.put(layer.digest(), digester.digest());
        }

        @Override
        public void abort(IOException cause) {
          throw new AssertionError("aborted", cause);
        }
      });
      LayoutImageStore target = LayoutImageStore.open(dir.resolve("target"));
      viaProxy.pull(ref(proxy.host(), "tap/app:1"), target.blobs(), PullOptions.defaults().withTap(tap));
      for (Descriptor layer : ((ImageManifest) image.manifest()).layers()) {
        assertEquals(layer.digest(), seen.get(layer.digest()));
      }
      assertEquals(2, seen.size(), "the config is not a layer");
    }
  }

  @Test
  void blobsMoveOnPlatformThreads(@TempDir Path dir) throws Exception {
    // A virtual thread blocked on a socket leaves the JDK's poller thread in native code, which
    // the JVM's exit then waits 300 ms for: transfers must not use them.
    LayoutImageStore store = LayoutImageStore.open(dir.resolve("store"));
    RawManifest image = Fixtures.image(store, "threads/app:1", 6, 10_000, 11);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    TransferListener onThread = new TransferListener() {
      @Override
      public void started(Descriptor blob) {
        Thread t = Thread.currentThread();
        threads.add((t.isVirtual() ? "virtual " : "platform ") + t.getName());
      }
    };
    Reference dest = ref(registry.host(), "threads/app:1");
    client.push(store.blobs(), image, dest, new PushOptions(List.of(), onThread));
    LayoutImageStore target = LayoutImageStore.open(dir.resolve("target"));
    client.pull(dest, target.blobs(), PullOptions.defaults().withListener(onThread));
    Images.validate(new dev.kiln.store.LayoutImage(target.blobs(), image), "pulled image");
    assertTrue(threads.size() > 1, "the blobs moved in parallel: " + threads);
    assertTrue(threads.stream().allMatch(t -> t.startsWith("platform ")), threads.toString());
  }

  @Test
  void unknownHostAndMissingImageSayWhatFailed() throws Exception {
    RegistryClient c = RegistryClient.builder().build();
    OciException e = assertThrows(OciException.class,
        () -> c.manifest(ref("no-such-host.invalid", "x/y:1")));
    assertTrue(e.getMessage().contains("unknown host") && e.getMessage().contains("no-such-host.invalid"),
        e.getMessage());
    OciException missing = assertThrows(OciException.class,
        () -> client.manifest(ref(registry.host(), "nothing/here:1")));
    assertEquals(ErrorCode.MANIFEST_UNKNOWN, missing.code());
  }
}
