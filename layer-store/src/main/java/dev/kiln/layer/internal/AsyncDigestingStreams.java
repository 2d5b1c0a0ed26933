package dev.kiln.layer.internal;

import java.io.IOException;
import java.io.OutputStream;

/** The producer's end of an {@link AsyncDigester}, as a stream. */
public final class AsyncDigestingStreams {
  private AsyncDigestingStreams() {}

  /**
   * A stream that adds every byte written to a digester, which hashes it and passes it on from its
   * own thread. Flushing has the digester's thread flush its next stage; closing does nothing
   * ({@link AsyncDigester#digest()} ends the stream).
   *
   * @param digester receives every byte written
   * @return the stream
   */
  public static OutputStream output(AsyncDigester digester) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        digester.update(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        digester.flush();
      }
    };
  }
}
