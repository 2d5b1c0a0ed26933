package dev.kiln.remote;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Lets layer code see a layer's compressed bytes while they download, in order, so it can
 * decompress and apply the layer in a pipeline instead of waiting for the whole blob. A pull calls
 * {@link #open} once per layer it downloads (not for layers already present); the returned sink
 * receives every byte exactly once and in order, even across resumed requests.
 *
 * <p>The sink's {@link Sink#close()} is called after the blob was verified and stored; {@link
 * Sink#abort} instead when the download failed (the applier must then discard its work). Sinks are
 * called from the downloading thread; a slow sink slows that download.
 */
public interface LayerTap {
  /**
   * Offers a layer about to be downloaded.
   *
   * @param layer the layer descriptor
   * @param diffId the layer's diffId, from the image config (verified before any layer is offered)
   * @return a sink for its bytes, or empty to not watch this layer
   * @throws IOException when the applier cannot start; the pull fails
   */
  Optional<Sink> open(Descriptor layer, Digest diffId) throws IOException;

  /** Receives one layer's compressed bytes. */
  abstract class Sink extends OutputStream {
    /** For subclasses. */
    protected Sink() {}

    /**
     * The download failed; discard what was received.
     *
     * @param cause why
     */
    public abstract void abort(IOException cause);
  }
}
