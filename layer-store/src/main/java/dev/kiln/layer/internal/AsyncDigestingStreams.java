package dev.kiln.layer.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** A stream that feeds an {@link AsyncDigester} with every byte passing through it. */
public final class AsyncDigestingStreams {
  private AsyncDigestingStreams() {}

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
