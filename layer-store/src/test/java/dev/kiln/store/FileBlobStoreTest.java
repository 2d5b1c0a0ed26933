package dev.kiln.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.oci.Descriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest implements BlobStoreContract {
  @TempDir Path dir;

  @Override
  public BlobStore store() throws IOException {
    return new FileBlobStore(dir.resolve(UUID.randomUUID().toString()));
  }

  @Test
  void blobsLiveAtTheirLayoutPathAndTempFilesAreGone() throws IOException {
    FileBlobStore store = new FileBlobStore(dir.resolve("s"));
    Descriptor d = store.put(new ByteArrayInputStream(new byte[] {1, 2, 3}), "x/y");
    assertTrue(Files.isRegularFile(dir.resolve("s/blobs/sha256/" + d.digest().encoded())));
    try (Stream<Path> tmp = Files.list(dir.resolve("s/tmp"))) {
      assertEquals(0, tmp.count());
    }
  }

  @Test
  void foreignFilesInBlobsAreNotListed() throws IOException {
    FileBlobStore store = new FileBlobStore(dir.resolve("s"));
    Files.writeString(dir.resolve("s/blobs/sha256/not-a-digest"), "x");
    assertTrue(store.digests().isEmpty());
  }

  @Test
  void aBlobPastTheEarlyWriteBackIsStoredIntactFromSmallAndLargeWrites() throws IOException {
    FileBlobStore store = new FileBlobStore(dir.resolve("s"));
    byte[] content = new byte[ChannelOutput.WRITEBACK * 2 + 12345];
    new java.util.Random(7).nextBytes(content);
    Descriptor d;
    try (BlobWriter w = store.openWriter()) {
      int off = 0;
      // 1 byte, a few KiB, 256 KiB, repeated: the buffered and the direct paths interleave.
      for (int i = 0; off < content.length; i++) {
        int len = Math.min(content.length - off, switch (i % 3) {
          case 0 -> 1;
          case 1 -> 5000;
          default -> 256 * 1024;
        });
        if (len == 1) {
          w.write(content[off]);
        } else {
          w.write(content, off, len);
        }
        off += len;
      }
      d = w.commit("x/y");
    }
    assertEquals(content.length, d.size());
    assertEquals(dev.kiln.oci.Digests.sha256(content), d.digest());
    assertArrayEquals(content, Files.readAllBytes(store.path(d.digest())));
  }
}
