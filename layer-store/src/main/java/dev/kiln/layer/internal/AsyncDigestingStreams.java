package dev.kiln.layer.internal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Streams that feed an {@link AsyncDigester} with every byte passing through them. */
public final class AsyncDigestingStreams {
  private AsyncDigestingStreams() {}

  /**
   * Wraps an input stream; closing closes it.
   *
   * @param in the stream
   * @param digester receives every byte read
   * @return the wrapper
   */
  public static InputStream input(InputStream in, AsyncDigester digester) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          digester.update(b, off, n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        return dev.kiln.oci.internal.Streams.skipByReading(this, n);
      }
    };
  }

  /**
   * Wraps an output stream; closing closes it.
   *
   * @param out the stream
   * @param digester receives every byte written
   * @return the wrapper
   */
  public static OutputStream output(OutputStream out, AsyncDigester digester) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digester.update(b, off, len);
      }
    };
  }
}
