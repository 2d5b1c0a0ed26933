package dev.kiln.layer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelGzipOutputStreamTest {
  private static byte[] input(int size) {
    byte[] b = new byte[size];
    Random r = new Random(size);
    for (int i = 0; i < size; i++) { // half text-like, half random, so both paths of deflate run
      b[i] = i % 65536 < 32768 ? (byte) ("lorem ipsum dolor ".charAt(r.nextInt(18))) : (byte) r.nextInt();
    }
    return b;
  }

  private static byte[] gzip(byte[] data, int threads, int chunk) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, 6, threads)) {
      for (int off = 0; off < data.length; off += chunk) {
        gz.write(data, off, Math.min(chunk, data.length - off));
      }
    }
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 32 * 1024, 128 * 1024, 128 * 1024 + 1, 3_000_000})
  void oneGzipMemberThatInflatesToTheInput(int size) throws IOException {
    byte[] data = input(size);
    byte[] gz = gzip(data, 3, 7777);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      assertArrayEquals(data, in.readAllBytes());
    }
    // the same bytes whatever the thread count and write sizes
    assertArrayEquals(gz, gzip(data, 1, 100_000));
  }

  @ParameterizedTest
  @ValueSource(ints = {5_000_000})
  void gnuGzipAcceptsTheStream(int size) throws IOException, InterruptedException {
    byte[] data = "kiln\n".repeat(size / 5).getBytes(StandardCharsets.US_ASCII);
    byte[] gz = gzip(data, 2, 65536);
    Process p = new ProcessBuilder("gzip", "-t").redirectErrorStream(true).start();
    p.getOutputStream().write(gz);
    p.getOutputStream().close();
    String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assertions.assertEquals(0, p.waitFor(), msg);
  }

  /** Random blocks (stored) between text blocks (deflated), ending on a random one: one stream. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void randomBlocksAreStoredAndTheStreamStillInflates(int threads) throws IOException, InterruptedException {
    int block = 128 * 1024;
    byte[] data = new byte[7 * block + 70_000];
    Random r = new Random(7);
    r.nextBytes(data);
    for (int b : new int[] {1, 2, 5}) {
      for (int i = b * block; i < (b + 1) * block; i++) {
        data[i] = (byte) "kiln layer text ".charAt(i % 16);
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(ParallelGzipOutputStream.incompressible(data, block));
    org.junit.jupiter.api.Assertions.assertFalse(ParallelGzipOutputStream.incompressible(data, 2 * block));
    byte[] gz = gzip(data, threads, 50_000);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      assertArrayEquals(data, in.readAllBytes());
    }
    // stored: the random part costs its own size plus 5 bytes per 64 KiB, no more
    org.junit.jupiter.api.Assertions.assertTrue(gz.length < 5 * block + 70_000 + 1024, "size " + gz.length);
    Process p = new ProcessBuilder("gzip", "-t").redirectErrorStream(true).start();
    p.getOutputStream().write(gz);
    p.getOutputStream().close();
    String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assertions.assertEquals(0, p.waitFor(), msg);
  }
}
