package dev.kiln.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Decompression by sniffing: gzip, zstd (through ZstdStreams) and plain bytes. */
class CompressionTest {
  private static final byte[] DATA =
      "a layer's tar, or anything else\n".repeat(5000).getBytes(StandardCharsets.US_ASCII);

  private static byte[] decompress(byte[] blob) throws IOException {
    try (InputStream in = Compression.decompress(new ByteArrayInputStream(blob))) {
      return in.readAllBytes();
    }
  }

  @Test
  void gzipZstdAndPlainComeOutTheSame() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(gz)) {
      o.write(DATA);
    }
    ByteArrayOutputStream zst = new ByteArrayOutputStream();
    try (OutputStream o = ZstdStreams.output(zst, 3, 1)) {
      o.write(DATA);
    }
    assertEquals(Compression.Kind.GZIP, Compression.detect(gz.toByteArray(), 2));
    assertEquals(Compression.Kind.ZSTD, Compression.detect(zst.toByteArray(), 4));
    assertEquals(Compression.Kind.NONE, Compression.detect(zst.toByteArray(), 3));
    assertArrayEquals(DATA, decompress(gz.toByteArray()));
    assertArrayEquals(DATA, decompress(zst.toByteArray()));
    assertArrayEquals(DATA, decompress(DATA));
    assertArrayEquals(new byte[0], decompress(new byte[0]));
  }
}
