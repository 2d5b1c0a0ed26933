package dev.kiln.layer;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.store.LayoutImageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Makes a one-layer image from a root filesystem (a directory or a tar) in the local store, as
 * {@code kiln import} does: the layer is written into the store in one pass, then the config, then
 * the manifest, and only then is the tag pointed at it, so a failure leaves the tags as they were.
 */
public final class Imports {
  private Imports() {}

  /**
   * Imports a root filesystem.
   *
   * @param store the local store
   * @param source the root filesystem ({@link LayerSource.Directory} or {@link LayerSource.Archive})
   * @param writer how the layer is written (compression, owners, mtimes)
   * @param execution the image's execution parameters (CMD, ENV, …)
   * @param created the image's creation time
   * @param tag the name to give the image, with a tag
   * @param comment the history entry's text, e.g. the command line
   * @return the stored manifest's descriptor
   * @throws IOException when the source cannot be read or the store written
   */
  public static Descriptor rootfs(LayoutImageStore store, LayerSource source, LayerWriter writer,
      ImageConfig.ContainerConfig execution, Instant created, Reference tag, String comment)
      throws IOException {
    WrittenLayer layer = writer.write(source, store.blobs());
    ImageConfig config = ImageConfig.of(Platform.host())
        .withConfig(execution)
        .withLayers(new ImageConfig.RootFs("layers", List.of(layer.diffId())),
            List.of(new ImageConfig.History(Optional.of(created), "", comment, "", false)))
        .withCreated(created);
    byte[] configBytes = config.toJson();
    Digest configDigest = Digests.sha256(configBytes);
    Descriptor configDescriptor = store.blobs().put(new ByteArrayInputStream(configBytes),
        Descriptor.of(MediaTypes.OCI_CONFIG, configDigest, configBytes.length));
    RawManifest manifest = ImageManifest.of(configDescriptor, List.of(layer.descriptor())).toRaw();
    Descriptor stored = store.putManifest(manifest);
    store.tag(tag, stored);
    return stored;
  }
}
