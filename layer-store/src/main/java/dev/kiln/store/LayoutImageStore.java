package dev.kiln.store;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.Image;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.store.internal.AtomicFiles;
import dev.kiln.store.internal.FileLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The local image store. Its root is itself an OCI image layout, so skopeo ({@code oci:ROOT:NAME})
 * and umoci read kiln's images with no export step:
 *
 * <pre>
 * KILN_ROOT/
 *   oci-layout          {"imageLayoutVersion":"1.0.0"}
 *   index.json          one descriptor per tag, named by org.opencontainers.image.ref.name
 *                       (the full reference, e.g. docker.io/library/busybox:latest)
 *   blobs/sha256/…      manifests, configs, layers ({@link FileBlobStore})
 *   index.lock          held exclusively while index.json is read, changed and replaced
 *   gc.lock             shared by writers (leases, commits), exclusive while garbage is swept
 *   tmp/                blobs being written, archives being loaded
 * </pre>
 *
 * Every change of index.json happens under {@code index.lock} and lands by rename, so concurrent
 * kiln processes never lose each other's tags. Thread-safe.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md">image-spec
 *     v1.1.0, image layout</a>
 */
public final class LayoutImageStore {
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{4,64}");
  private static final byte[] LAYOUT =
      "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Path root;
  private final FileBlobStore blobs;

  private LayoutImageStore(Path root, FileBlobStore blobs) {
    this.root = root;
    this.blobs = blobs;
  }

  /**
   * Opens the store at a root, creating the layout when missing.
   *
   * @param root the store root
   * @return the store
   * @throws IOException with a one-line reason when the root cannot be created or written, or holds
   *     something that is not an OCI layout
   */
  public static LayoutImageStore open(Path root) throws IOException {
    try {
      Files.createDirectories(root);
      FileBlobStore blobs = new FileBlobStore(root);
      Path layout = root.resolve("oci-layout");
      if (!Files.exists(layout)) {
        AtomicFiles.write(layout, LAYOUT);
      }
      LayoutImageStore store = new LayoutImageStore(root, blobs);
      if (!Files.exists(store.indexPath())) {
        try (var _ = FileLocks.exclusive(store.indexLock(), LOCK_TIMEOUT)) {
          if (!Files.exists(store.indexPath())) {
            AtomicFiles.write(store.indexPath(), IndexManifest.of(List.of()).toRaw().bytes());
          }
        }
      }
      return store;
    } catch (AccessDeniedException e) {
      throw new IOException("store root " + root + " is not writable (permission denied on "
          + e.getFile() + "): use --root or KILN_ROOT to choose another", e);
    } catch (FileSystemException e) {
      throw new IOException("store root " + root + " cannot be used: " + e.getFile() + ": "
          + reason(e), e);
    }
  }

  private static String reason(FileSystemException e) {
    if (e.getReason() != null) {
      return e.getReason();
    }
    return switch (e) {
      case NoSuchFileException x -> "no such file or directory";
      case java.nio.file.FileAlreadyExistsException x -> "exists and is not a directory";
      case java.nio.file.NotDirectoryException x -> "not a directory";
      default -> e.getClass().getSimpleName();
    };
  }

  /** Returns the store root. */
  public Path root() {
    return root;
  }

  /** Returns the store's blobs. */
  public FileBlobStore blobs() {
    return blobs;
  }

  private Path indexPath() {
    return root.resolve("index.json");
  }

  private Path indexLock() {
    return root.resolve("index.lock");
  }

  /**
   * Holds off garbage collection until closed, so blobs written (or found already present) under
   * the lease survive until the caller has tagged what refers to them.
   *
   * @return the lease; close it when the images written are tagged
   * @throws IOException when the store is busy past the timeout
   */
  public FileLocks.Held lease() throws IOException {
    return FileLocks.shared(blobs.gcLock(), LOCK_TIMEOUT);
  }

  /**
   * Reads index.json.
   *
   * @return the index
   * @throws IOException when it is missing or malformed (naming the file)
   */
  public IndexManifest index() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(indexPath());
    } catch (NoSuchFileException e) {
      throw new IOException(indexPath() + " is missing: the store root is not an OCI layout");
    }
    if (RawManifest.from(bytes, MediaTypes.OCI_INDEX, indexPath().toString()).manifest()
        instanceof IndexManifest ix) {
      return ix;
    }
    throw new ManifestInvalidException(indexPath() + ": not an image index");
  }

  /**
   * Lists the tags, in index order. Entries of other tools whose name is not a reference are left
   * out (and left alone).
   *
   * @return the tagged images
   * @throws IOException when index.json cannot be read
   */
  public List<TaggedImage> list() throws IOException {
    List<TaggedImage> out = new ArrayList<>();
    for (Descriptor d : index().manifests()) {
      // The tag is in the reference; the descriptor is the manifest's own.
      Map<String, String> annotations = new HashMap<>(d.annotations());
      annotations.remove(Descriptor.REF_NAME);
      refName(d).ifPresent(r -> out.add(new TaggedImage(r, d.withAnnotations(annotations))));
    }
    return out;
  }

  private static Optional<Reference> refName(Descriptor d) {
    String name = d.annotations().get(Descriptor.REF_NAME);
    if (name == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Reference.parse(name, Reference.Defaults.DOCKER_HUB));
    } catch (OciFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Finds what a user's text names: a reference (short forms normalised), a full digest, or a
   * unique hex prefix of a tagged manifest's digest.
   *
   * @param text e.g. {@code busybox}, {@code sha256:…}, {@code 3f2a9c}
   * @return the manifest's descriptor
   * @throws ManifestUnknownException when nothing matches
   * @throws OciFormatException when the text is not a valid reference
   * @throws IOException when the store cannot be read
   */
  public Descriptor resolve(String text) throws IOException {
    List<TaggedImage> tags = list();
    if (Digest.isValid(text)) {
      Digest digest = Digest.parse(text);
      for (TaggedImage t : tags) {
        if (t.descriptor().digest().equals(digest)) {
          return t.descriptor();
        }
      }
      if (blobs.exists(digest)) {
        return rawManifest(digest).descriptor();
      }
      throw new ManifestUnknownException(text, "store " + root);
    }
    Reference ref;
    try {
      ref = Reference.parse(text, Reference.Defaults.DOCKER_HUB);
    } catch (OciFormatException e) {
      if (!HEX_PREFIX.matcher(text).matches()) {
        throw e;
      }
      ref = null;
    }
    if (ref != null) {
      Optional<Descriptor> found = find(ref, tags);
      if (found.isPresent()) {
        return found.get();
      }
    }
    if (HEX_PREFIX.matcher(text).matches()) {
      List<Descriptor> matches = tags.stream().map(TaggedImage::descriptor)
          .filter(d -> d.digest().encoded().startsWith(text)).distinct().toList();
      if (matches.size() == 1) {
        return matches.get(0);
      }
      if (matches.size() > 1) {
        throw new OciException(ErrorCode.MANIFEST_UNKNOWN, "digest prefix " + text
            + " is ambiguous in store " + root + ": give more digits");
      }
    }
    throw new ManifestUnknownException(ref != null ? ref.toString() : text, "store " + root);
  }

  private Optional<Descriptor> find(Reference ref, List<TaggedImage> tags) throws IOException {
    if (ref.digest().isPresent()) {
      Digest digest = ref.digest().get();
      boolean nameMatches = tags.stream().anyMatch(t -> t.reference().name().equals(ref.name())
          && t.descriptor().digest().equals(digest));
      return nameMatches || blobs.exists(digest)
          ? Optional.of(rawManifest(digest).descriptor()) : Optional.empty();
    }
    return tags.stream().filter(t -> t.reference().equals(ref)).map(TaggedImage::descriptor)
        .findFirst();
  }

  /**
   * Reads a stored manifest, with the media type its bytes declare.
   *
   * @param digest the manifest digest
   * @return the raw manifest
   * @throws dev.kiln.oci.BlobUnknownException when it is not stored
   * @throws ManifestInvalidException when it is not a manifest
   */
  public RawManifest rawManifest(Digest digest) throws IOException {
    byte[] bytes = blobs.readAll(digest, RawManifest.MAX_BYTES);
    RawManifest raw = RawManifest.from(bytes, "", "manifest " + digest);
    if (!raw.digest().equals(digest)) {
      throw new dev.kiln.oci.DigestMismatchException("stored manifest", digest, raw.digest());
    }
    return raw;
  }

  /**
   * Returns the image a descriptor names; for an index, the entry for this host's platform.
   *
   * @param descriptor a manifest or index descriptor
   * @return the image
   * @throws ManifestUnknownException when an index has no entry for this platform
   */
  public LayoutImage image(Descriptor descriptor) throws IOException {
    RawManifest raw = rawManifest(descriptor.digest());
    Manifest m = raw.manifest();
    if (m instanceof IndexManifest ix) {
      Platform host = Platform.host();
      for (Descriptor d : ix.manifests()) {
        if (d.platform().map(host::matches).orElse(false) && MediaTypes.isImageManifest(d.mediaType())
            && blobs.exists(d.digest())) {
          return new LayoutImage(blobs, rawManifest(d.digest()));
        }
      }
      throw new ManifestUnknownException(host + " image in index " + descriptor.digest(),
          "store " + root);
    }
    return new LayoutImage(blobs, raw);
  }

  /**
   * Stores a manifest after checking that everything it references is stored.
   *
   * @param raw the manifest
   * @return its descriptor
   * @throws OciException ({@link ErrorCode#MANIFEST_BLOB_UNKNOWN}) naming a missing blob
   * @throws ManifestInvalidException when it is malformed
   */
  public Descriptor putManifest(RawManifest raw) throws IOException {
    List<Descriptor> refs = switch (raw.manifest()) {
      case ImageManifest im -> {
        List<Descriptor> all = new ArrayList<>(im.layers());
        all.add(0, im.config());
        yield all;
      }
      case IndexManifest ix -> ix.manifests();
    };
    for (Descriptor d : refs) {
      Optional<Long> size = blobs.size(d.digest());
      if (size.isEmpty()) {
        throw new OciException(ErrorCode.MANIFEST_BLOB_UNKNOWN, "manifest " + raw.digest()
            + " references " + d.digest() + " (" + d.mediaType() + "), which is not stored");
      }
      if (size.get() != d.size()) {
        throw new OciException(ErrorCode.MANIFEST_INVALID, "manifest " + raw.digest()
            + " says " + d.digest() + " has " + d.size() + " bytes, the stored blob has " + size.get());
      }
    }
    return blobs.put(new java.io.ByteArrayInputStream(raw.bytes()), raw.descriptor());
  }

  /**
   * Points a tag at a stored manifest, replacing what the tag named before.
   *
   * @param reference the reference, with a tag and no digest
   * @param descriptor the manifest's descriptor
   * @throws IllegalArgumentException when the reference has no tag
   * @throws dev.kiln.oci.BlobUnknownException when the manifest is not stored
   */
  public void tag(Reference reference, Descriptor descriptor) throws IOException {
    if (reference.tag().isEmpty() || reference.digest().isPresent()) {
      throw new OciFormatException(ErrorCode.TAG_INVALID,
          "cannot tag " + reference + ": a tag is name:tag, without a digest");
    }
    if (!blobs.exists(descriptor.digest())) {
      throw new dev.kiln.oci.BlobUnknownException(descriptor.digest(), "store " + root);
    }
    Descriptor entry = Descriptor.of(descriptor.mediaType(), descriptor.digest(), descriptor.size())
        .withAnnotations(Map.of(Descriptor.REF_NAME, reference.toString()));
    updateIndex(manifests -> {
      if (manifests.contains(entry)) {
        return manifests; // already tagged so
      }
      List<Descriptor> out = new ArrayList<>();
      for (Descriptor d : manifests) {
        if (!refName(d).filter(reference::equals).isPresent()) {
          out.add(d);
        }
      }
      out.add(entry);
      return out;
    });
  }

  /**
   * Removes a tag.
   *
   * @param reference the reference
   * @return whether the tag existed
   * @throws IOException when index.json cannot be changed
   */
  public boolean untag(Reference reference) throws IOException {
    boolean[] removed = {false};
    updateIndex(manifests -> {
      List<Descriptor> out = new ArrayList<>();
      for (Descriptor d : manifests) {
        if (refName(d).filter(reference::equals).isPresent()) {
          removed[0] = true;
        } else {
          out.add(d);
        }
      }
      return out;
    });
    return removed[0];
  }

  /**
   * Tags several images at once: one index update, so either all tags land or none.
   *
   * @param tags the references and their manifests
   * @throws IOException when index.json cannot be changed
   */
  public void tagAll(List<TaggedImage> tags) throws IOException {
    Map<Reference, Descriptor> wanted = new HashMap<>();
    for (TaggedImage t : tags) {
      if (!blobs.exists(t.descriptor().digest())) {
        throw new dev.kiln.oci.BlobUnknownException(t.descriptor().digest(), "store " + root);
      }
      wanted.put(t.reference(), t.descriptor());
    }
    updateIndex(manifests -> {
      List<Descriptor> out = new ArrayList<>();
      for (Descriptor d : manifests) {
        if (refName(d).filter(wanted::containsKey).isEmpty()) {
          out.add(d);
        }
      }
      for (TaggedImage t : tags) {
        Descriptor d = t.descriptor();
        out.add(Descriptor.of(d.mediaType(), d.digest(), d.size())
            .withAnnotations(Map.of(Descriptor.REF_NAME, t.reference().toString())));
      }
      return out;
    });
  }

  private void updateIndex(UnaryOperator<List<Descriptor>> change) throws IOException {
    try (var _ = FileLocks.exclusive(indexLock(), LOCK_TIMEOUT)) {
      IndexManifest current = index();
      List<Descriptor> changed = change.apply(current.manifests());
      if (!changed.equals(current.manifests())) { // an unchanged index is not rewritten (and synced)
        AtomicFiles.write(indexPath(), current.withManifests(changed).toRaw().bytes());
      }
    }
  }
}
