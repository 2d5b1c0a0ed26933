package dev.kiln.store;

import dev.kiln.oci.Blob;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.Layer;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.RawManifest;
import dev.kiln.store.internal.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An image whose blobs are in a {@link BlobStore}. The manifest is held (it is small); the config is
 * read on demand (capped); layers are streamed. Thread-safe.
 */
public final class LayoutImage implements dev.kiln.oci.Image {
  /** The largest config read whole. */
  public static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;

  private final BlobStore blobs;
  private final RawManifest raw;
  private final ImageManifest manifest;

  /**
   * Wraps a stored image manifest.
   *
   * @param blobs the store holding its config and layers
   * @param raw the manifest
   * @throws ManifestInvalidException when it is not an image manifest
   */
  public LayoutImage(BlobStore blobs, RawManifest raw) throws ManifestInvalidException {
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.raw = raw;
    if (!(raw.manifest() instanceof ImageManifest m)) {
      throw new ManifestInvalidException("manifest " + raw.digest() + " is an index, not an image");
    }
    this.manifest = m;
  }

  @Override
  public RawManifest rawManifest() {
    return raw;
  }

  @Override
  public ImageManifest manifest() {
    return manifest;
  }

  @Override
  public Blob configBlob() {
    return blobs.blob(manifest.config());
  }

  @Override
  public ImageConfig config() throws IOException {
    return ImageConfig.parse(blobs.readAll(manifest.config().digest(), MAX_CONFIG_BYTES));
  }

  @Override
  public List<Layer> layers() throws IOException {
    List<Digest> diffIds = config().rootfs().diffIds();
    List<Layer> out = new ArrayList<>();
    for (int i = 0; i < manifest.layers().size(); i++) {
      if (i >= diffIds.size()) {
        throw new ManifestInvalidException("image " + raw.digest() + ": config lists "
            + diffIds.size() + " diff_ids for " + manifest.layers().size() + " layers");
      }
      out.add(new StoredLayer(blobs.blob(manifest.layers().get(i)), diffIds.get(i)));
    }
    return out;
  }

  /** Returns the sum of the manifest, config and layer sizes, in bytes. */
  public long size() {
    long size = raw.size() + manifest.config().size();
    for (Descriptor d : manifest.layers()) {
      size += d.size();
    }
    return size;
  }

  private record StoredLayer(Blob blob, Digest diffId) implements Layer {
    @Override
    public Descriptor descriptor() {
      return blob.descriptor();
    }

    @Override
    public InputStream open() throws IOException {
      return blob.open();
    }

    @Override
    public InputStream openUncompressed() throws IOException {
      return Compression.decompress(blob.open());
    }
  }
}
