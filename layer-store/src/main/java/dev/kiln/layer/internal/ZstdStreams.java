package dev.kiln.layer.internal;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * zstd streams through zstd-jni, kept apart so that the classes which merely mention zstd do not
 * make the JVM open zstd-jni's jar (tens of milliseconds) for gzip and plain layers.
 */
public final class ZstdStreams {
  private ZstdStreams() {}

  /**
   * Decompresses a zstd stream.
   *
   * @param in the compressed bytes; closed with the result
   * @return the uncompressed bytes
   * @throws IOException when the decompressor cannot start
   */
  public static InputStream input(InputStream in) throws IOException {
    return new BufferedInputStream(new ZstdInputStream(in), 128 * 1024);
  }

  /**
   * Compresses to zstd with worker threads. There is always at least one worker: zstd's output is
   * then the same for any worker count, so the digest does not depend on the machine's cores.
   *
   * @param out where the compressed bytes go; closed with the result
   * @param level the zstd level
   * @param workers how many threads compress, ≥ 1
   * @return the compressing stream
   * @throws IOException when the compressor cannot start
   */
  public static OutputStream output(OutputStream out, int level, int workers) throws IOException {
    ZstdOutputStream z = new ZstdOutputStream(out, level);
    z.setWorkers(Math.max(1, workers));
    z.setChecksum(false);
    return z;
  }
}
