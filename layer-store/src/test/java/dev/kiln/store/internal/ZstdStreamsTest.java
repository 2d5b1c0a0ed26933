package dev.kiln.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** kiln's zstd streams against zstd-jni's own, which they replace. */
class ZstdStreamsTest {
  /** 3 MiB: text, then random bytes, then text again: several blocks and jobs of each kind. */
  private static byte[] sample() {
    Random r = new Random(3);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    StringBuilder text = new StringBuilder();
    while (text.length() < (1 << 20)) {
      text.append("layer ").append(r.nextInt(1000)).append(r.nextInt(9) == 0 ? '\n' : ' ');
    }
    byte[] t = text.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] noise = new byte[1 << 20];
    r.nextBytes(noise);
    b.writeBytes(t);
    b.writeBytes(noise);
    b.writeBytes(t);
    return b.toByteArray();
  }

  /** Writes in uneven pieces, with a flush in the middle, as a layer writer may. */
  private static void feed(OutputStream out, byte[] data) throws IOException {
    int off = 0;
    for (int piece = 1; off < data.length; piece = piece * 3 % 700_001 + 1) {
      int n = Math.min(piece, data.length - off);
      out.write(data, off, n);
      off += n;
      if (off > data.length / 2 && off - n <= data.length / 2) {
        out.flush();
      }
    }
  }

  @Test
  void compressesToTheSameBytesAsZstdJniAndBothDecompressEither() throws IOException {
    byte[] data = sample();
    for (int workers : new int[] {1, 3}) {
      ByteArrayOutputStream ours = new ByteArrayOutputStream();
      try (OutputStream z = ZstdStreams.output(ours, 3, workers)) {
        feed(z, data);
      }
      ByteArrayOutputStream theirs = new ByteArrayOutputStream();
      try (ZstdOutputStream z = new ZstdOutputStream(theirs, 3)) {
        z.setWorkers(workers);
        z.setChecksum(false);
        feed(z, data);
      }
      assertArrayEquals(theirs.toByteArray(), ours.toByteArray(), workers + " workers");
      assertTrue(ours.size() < data.length * 2 / 3, "compressed: " + ours.size());
      try (InputStream in = ZstdStreams.input(new ByteArrayInputStream(ours.toByteArray()))) {
        assertArrayEquals(data, in.readAllBytes());
      }
      try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(ours.toByteArray()))) {
        assertArrayEquals(data, in.readAllBytes());
      }
    }
  }

  @Test
  void readsFramesOneAfterTheOther() throws IOException {
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    for (String part : new String[] {"first frame, ", "second frame"}) {
      try (OutputStream z = ZstdStreams.output(OutputStream.nullOutputStream(), 3, 1)) {
        z.write(0); // a frame written and dropped: each stream is independent
      }
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      try (OutputStream z = ZstdStreams.output(one, 3, 1)) {
        z.write(part.getBytes(StandardCharsets.US_ASCII));
      }
      two.writeBytes(one.toByteArray());
    }
    try (InputStream in = ZstdStreams.input(new ByteArrayInputStream(two.toByteArray()))) {
      assertArrayEquals("first frame, second frame".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
    }
  }

  @Test
  void aTruncatedOrCorruptStreamFailsInsteadOfEndingEarly() throws IOException {
    byte[] data = sample();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = ZstdStreams.output(out, 3, 1)) {
      z.write(data);
    }
    byte[] whole = out.toByteArray();
    byte[] cut = Arrays.copyOf(whole, whole.length - 100);
    IOException e = assertThrows(IOException.class,
        () -> ZstdStreams.input(new ByteArrayInputStream(cut)).readAllBytes());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    byte[] corrupt = whole.clone();
    corrupt[4] |= 0x08; // the frame header's reserved bit (no checksum: data damage may pass)
    IOException c = assertThrows(IOException.class,
        () -> ZstdStreams.input(new ByteArrayInputStream(corrupt)).readAllBytes());
    assertTrue(c.getMessage().startsWith("zstd"), c.getMessage());
  }
}
