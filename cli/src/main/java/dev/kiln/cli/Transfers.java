package dev.kiln.cli;

import dev.kiln.build.RegistrySource;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.remote.PullOptions;
import dev.kiln.remote.PullResult;
import dev.kiln.remote.PushOptions;
import dev.kiln.remote.RegistryClient;
import dev.kiln.remote.TransferListener;
import dev.kiln.store.BlobStore;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What pull, push, copy and run share: registry transfers into and out of the local store. */
final class Transfers {
  private Transfers() {}

  /** Parses a user's image reference, with Docker Hub's defaults. */
  static Reference reference(String text) {
    try {
      return Reference.parse(text, Reference.Defaults.DOCKER_HUB);
    } catch (OciFormatException e) {
      throw new CliException(e.getMessage());
    }
  }

  /** Parses {@code os/arch[/variant]}. */
  static Platform platform(String text) {
    String[] p = text.split("/");
    if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
      throw new CliException("invalid platform '" + text + "': use os/arch[/variant], e.g. linux/arm64/v8");
    }
    return Platform.of(p[0], p[1], p.length == 3 ? p[2] : "");
  }

  /**
   * Pulls into the store and tags the result under the reference (when it has a tag).
   *
   * @return the stored manifest's descriptor
   */
  static Descriptor pull(LayoutImageStore store, RegistryClient client, Reference ref,
      PullOptions options) throws IOException {
    try (var _ = store.lease()) {
      PullResult result = client.pull(ref, store.blobs(), options);
      Descriptor d = store.putManifest(result.manifest());
      if (ref.tag().isPresent()) {
        store.tag(ref.digest().isPresent() ? new Reference(ref.registry(), ref.repository(),
            ref.tag(), java.util.Optional.empty()) : ref, d);
      }
      return d;
    }
  }

  /**
   * Resolves an image in the local store, pulling it first when it is missing: what
   * {@code kiln run IMAGE} does. A bare digest is never pulled (it names no registry).
   *
   * @return the stored manifest's descriptor
   */
  static Descriptor ensureImage(LayoutImageStore store, String image, RegistrySource client,
      PullOptions options) throws IOException {
    try {
      return store.resolve(image);
    } catch (ManifestUnknownException e) {
      if (Digest.isValid(image)) {
        throw e;
      }
      return pull(store, client.client(), reference(image), options);
    }
  }

  /**
   * Pushes a stored image or index, offering other repositories of the destination registry that
   * the local store knows as mount sources.
   *
   * @return the pushed manifest's digest
   */
  static Digest push(LayoutImageStore store, RegistryClient client, RawManifest raw, Reference dest,
      TransferListener listener) throws IOException {
    Set<String> same = new LinkedHashSet<>();
    Set<String> others = new LinkedHashSet<>();
    for (TaggedImage t : store.list()) {
      Reference r = t.reference();
      if (r.registry().equals(dest.registry()) && !r.repository().equals(dest.repository())) {
        (t.descriptor().digest().equals(raw.digest()) ? same : others).add(r.repository());
      }
    }
    List<String> mountFrom = new ArrayList<>(same);
    mountFrom.addAll(others);
    return client.push(store.blobs(), raw, dest, new PushOptions(mountFrom, listener));
  }

  /**
   * Copies a manifest and everything it references (index children, config, layers) from one
   * blob store to another, skipping what the target has; each blob is verified on the way.
   */
  static void copyTree(BlobStore from, BlobStore to, RawManifest raw) throws IOException {
    List<Descriptor> refs = new ArrayList<>();
    switch (raw.manifest()) {
      case ImageManifest im -> {
        refs.add(im.config());
        refs.addAll(im.layers());
      }
      case IndexManifest ix -> {
        for (Descriptor d : ix.manifests()) {
          if (from.exists(d.digest())) {
            copyTree(from, to, RawManifest.from(from.readAll(d.digest(), RawManifest.MAX_BYTES),
                d.mediaType(), "manifest " + d.digest()));
          }
        }
      }
    }
    for (Descriptor d : refs) {
      copyBlob(from, to, d);
    }
    copyBlob(from, to, raw.descriptor());
  }

  private static void copyBlob(BlobStore from, BlobStore to, Descriptor d) throws IOException {
    if (to.size(d.digest()).filter(s -> s == d.size()).isPresent()) {
      return;
    }
    try (InputStream in = from.open(d.digest())) {
      to.put(in, d);
    }
  }
}
