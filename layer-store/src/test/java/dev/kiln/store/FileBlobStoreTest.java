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
}
