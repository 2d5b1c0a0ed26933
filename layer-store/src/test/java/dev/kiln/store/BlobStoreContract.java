package dev.kiln.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.BlobUnknownException;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.Digester;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.SizeMismatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link BlobStore} must have; each implementation's test implements this. */
public interface BlobStoreContract {
  /** Returns a fresh, empty store. */
  BlobStore store() throws IOException;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  default void putThenOpenReturnsTheSameBytes() throws IOException {
    BlobStore store = store();
    byte[] content = bytes("hello blob");
    Descriptor d = store.put(new ByteArrayInputStream(content), "text/plain");
    assertEquals(Digests.sha256(content), d.digest());
    assertEquals(content.length, d.size());
    assertEquals("text/plain", d.mediaType());
    try (InputStream in = store.open(d.digest())) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(content.length, store.size(d.digest()).orElseThrow());
    assertTrue(store.exists(d.digest()));
    assertEquals(List.of(d.digest()), store.digests());
  }

  @Test
  default void aBlobCanBeReopened() throws IOException {
    BlobStore store = store();
    Descriptor d = store.put(new ByteArrayInputStream(bytes("again")), "x/y");
    dev.kiln.oci.Blob blob = store.blob(d);
    for (int i = 0; i < 3; i++) {
      try (InputStream in = blob.open()) {
        assertArrayEquals(bytes("again"), in.readAllBytes());
      }
    }
  }

  @Test
  default void unknownBlobIsBlobUnknown() throws IOException {
    BlobStore store = store();
    Digest missing = Digests.sha256(bytes("missing"));
    BlobUnknownException e = assertThrows(BlobUnknownException.class, () -> store.open(missing));
    assertEquals(ErrorCode.BLOB_UNKNOWN, e.code());
    assertTrue(e.getMessage().contains(missing.toString()));
    assertTrue(store.size(missing).isEmpty());
    assertFalse(store.delete(missing));
  }

  @Test
  default void wrongDigestStoresNothing() throws IOException {
    BlobStore store = store();
    byte[] content = bytes("actual content");
    Digest claimed = Digests.sha256(bytes("claimed content"));
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () ->
        store.put(new ByteArrayInputStream(content), Descriptor.of("x/y", claimed, content.length)));
    assertEquals(claimed, e.expected());
    assertEquals(Digests.sha256(content), e.actual());
    assertTrue(store.digests().isEmpty());
    assertFalse(store.exists(claimed));
    assertFalse(store.exists(Digests.sha256(content)));
  }

  @Test
  default void wrongSizeStoresNothing() throws IOException {
    BlobStore store = store();
    byte[] content = bytes("sized");
    Descriptor claimed = Descriptor.of("x/y", Digests.sha256(content), content.length + 1);
    assertThrows(SizeMismatchException.class,
        () -> store.put(new ByteArrayInputStream(content), claimed));
    assertTrue(store.digests().isEmpty());
  }

  @Test
  default void writerClosedWithoutCommitLeavesNothing() throws IOException {
    BlobStore store = store();
    try (BlobWriter w = store.openWriter()) {
      w.write(bytes("abandoned"));
      assertEquals(9, w.count());
    }
    assertTrue(store.digests().isEmpty());
  }

  @Test
  default void sha512BlobsAreStoredUnderTheirDigest() throws IOException {
    BlobStore store = store();
    byte[] content = bytes("five twelve");
    Descriptor expected = Descriptor.of("x/y", Digests.of(Digest.SHA512, content), content.length);
    assertEquals(expected, store.put(new ByteArrayInputStream(content), expected));
    try (InputStream in = store.open(expected.digest())) {
      assertArrayEquals(content, in.readAllBytes());
    }
  }

  @Test
  default void concurrentWritersOfOneDigestAllSucceed() throws Exception {
    BlobStore store = store();
    byte[] content = new byte[3 * 1024 * 1024];
    new Random(42).nextBytes(content);
    Descriptor expected = Descriptor.of("x/y", Digests.sha256(content), content.length);
    List<Future<Descriptor>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 12; i++) {
        // Half verify against the expected descriptor, half just store; none may see a partial blob.
        boolean verify = i % 2 == 0;
        results.add(pool.submit(() -> {
          try (BlobWriter w = store.openWriter()) {
            for (int off = 0; off < content.length; off += 100_000) {
              w.write(content, off, Math.min(100_000, content.length - off));
            }
            return verify ? w.commit(expected) : w.commit("x/y");
          }
        }));
      }
      for (Future<Descriptor> f : results) {
        assertEquals(expected.digest(), f.get().digest());
        try (InputStream in = store.open(expected.digest())) {
          assertArrayEquals(content, in.readAllBytes());
        }
      }
    }
    assertEquals(List.of(expected.digest()), store.digests());
  }

  @Test
  default void largeBlobsStreamThrough() throws IOException {
    BlobStore store = store();
    long size = 48L * 1024 * 1024;
    // A generated stream: the test never holds the blob either.
    Digester expected = Digester.sha256();
    InputStream generated = new InputStream() {
      long left = size;
      final Random random = new Random(7);

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        byte[] chunk = new byte[n];
        random.nextBytes(chunk);
        System.arraycopy(chunk, 0, b, off, n);
        expected.update(chunk, 0, n);
        left -= n;
        return n;
      }
    };
    Descriptor d = store.put(generated, "x/y");
    assertEquals(size, d.size());
    assertEquals(expected.digest(), d.digest());
    try (InputStream in = store.open(d.digest())) {
      assertEquals(d.digest(), Digests.of(Digest.SHA256, in));
    }
  }

  @Test
  default void deleteRemovesABlob() throws IOException {
    BlobStore store = store();
    Descriptor d = store.put(new ByteArrayInputStream(bytes("gone soon")), "x/y");
    assertTrue(store.delete(d.digest()));
    assertFalse(store.exists(d.digest()));
    assertTrue(store.digests().isEmpty());
  }
}
