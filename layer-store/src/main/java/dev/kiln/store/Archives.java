package dev.kiln.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.Digester;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.Images;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Layer;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.oci.internal.Json;
import dev.kiln.oci.internal.Json.ShapeException;
import dev.kiln.store.internal.Compression;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Saves images of a {@link LayoutImageStore} to tar archives and loads them back, in OCI and Docker
 * formats. Loading stages every blob in a private blob store under the store's {@code tmp/},
 * verifies digests, sizes and diffIds, and only then moves the blobs in and tags the images in one
 * index update: a bad archive leaves the store as it was.
 */
public final class Archives {
  private Archives() {}

  private static final Pattern BLOB_PATH = Pattern.compile("blobs/([a-z0-9]+)/([a-f0-9]+)");
  private static final int MAX_JSON = RawManifest.MAX_BYTES;
  private static final Set<String> METADATA =
      Set.of("manifest.json", "index.json", "oci-layout", "repositories");

  /**
   * What a load brought in.
   *
   * @param tags the tags set
   * @param untagged images the archive holds without a name
   */
  public record Loaded(List<TaggedImage> tags, List<Descriptor> untagged) {
    /** Copies. */
    public Loaded {
      tags = List.copyOf(tags);
      untagged = List.copyOf(untagged);
    }
  }

  // ---------------------------------------------------------------- save

  /**
   * Writes images to an archive. Does not close {@code out}.
   *
   * @param store the store
   * @param images the images and the names to give them in the archive
   * @param format the archive format
   * @param out where the tar goes
   * @throws IOException when a blob is missing or writing fails
   */
  public static void save(LayoutImageStore store, List<TaggedImage> images, ArchiveFormat format,
      OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    switch (format) {
      case OCI -> saveOci(store, images, tar);
      case DOCKER -> saveDocker(store, images, tar);
    }
    tar.finish();
    tar.flush();
  }

  private static void saveOci(LayoutImageStore store, List<TaggedImage> images,
      TarArchiveOutputStream tar) throws IOException {
    writeBytes(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    Set<Digest> written = new LinkedHashSet<>();
    List<Descriptor> entries = new ArrayList<>();
    for (TaggedImage t : images) {
      writeTree(store, t.descriptor(), tar, written);
      entries.add(t.descriptor().withAnnotations(Map.of(Descriptor.REF_NAME, t.reference().toString())));
    }
    writeBytes(tar, "index.json", IndexManifest.of(entries).toRaw().bytes());
  }

  private static void writeTree(LayoutImageStore store, Descriptor d, TarArchiveOutputStream tar,
      Set<Digest> written) throws IOException {
    if (written.contains(d.digest())) {
      return;
    }
    if (MediaTypes.isManifest(d.mediaType())) {
      RawManifest raw = store.rawManifest(d.digest());
      switch (raw.manifest()) {
        case ImageManifest im -> {
          writeTree(store, im.config(), tar, written);
          for (Descriptor l : im.layers()) {
            writeTree(store, l, tar, written);
          }
        }
        case IndexManifest ix -> {
          for (Descriptor m : ix.manifests()) {
            // Indexes pulled for one platform lack the others' manifests; save what is here.
            if (store.blobs().exists(m.digest())) {
              writeTree(store, m, tar, written);
            }
          }
        }
      }
    }
    writeBlob(tar, "blobs/" + d.digest().algorithm() + "/" + d.digest().encoded(), store.blobs(),
        d.digest());
    written.add(d.digest());
  }

  private static void saveDocker(LayoutImageStore store, List<TaggedImage> images,
      TarArchiveOutputStream tar) throws IOException {
    // One manifest.json entry per image, with every tag that names it.
    Map<Digest, List<String>> tagsByImage = new LinkedHashMap<>();
    Map<Digest, LayoutImage> byDigest = new HashMap<>();
    for (TaggedImage t : images) {
      LayoutImage image = store.image(t.descriptor());
      Digest key = image.rawManifest().digest();
      byDigest.put(key, image);
      tagsByImage.computeIfAbsent(key, k -> new ArrayList<>()).add(t.reference().toString());
    }
    ArrayNode manifest = Json.MAPPER.createArrayNode();
    Set<String> written = new LinkedHashSet<>();
    for (Map.Entry<Digest, List<String>> e : tagsByImage.entrySet()) {
      LayoutImage image = byDigest.get(e.getKey());
      Descriptor config = image.manifest().config();
      String configName = config.digest().encoded() + ".json";
      if (written.add(configName)) {
        writeBlob(tar, configName, store.blobs(), config.digest());
      }
      ObjectNode entry = manifest.addObject();
      entry.put("Config", configName);
      ArrayNode tags = entry.putArray("RepoTags");
      e.getValue().forEach(tags::add);
      ArrayNode layers = entry.putArray("Layers");
      for (Layer layer : image.layers()) {
        String name = layer.diffId().encoded() + ".tar";
        layers.add(name);
        if (written.add(name)) {
          writeUncompressedLayer(store, layer, name, tar);
        }
      }
    }
    writeBytes(tar, "manifest.json", Json.write(manifest));
  }

  // docker load wants uncompressed layer tars; the size goes in the tar header first, so a
  // compressed layer is decompressed to a temp file (never to memory) and checked on the way.
  private static void writeUncompressedLayer(LayoutImageStore store, Layer layer, String name,
      TarArchiveOutputStream tar) throws IOException {
    if (layer.descriptor().digest().equals(layer.diffId())) {
      writeBlob(tar, name, store.blobs(), layer.descriptor().digest());
      return;
    }
    Path tmp = store.blobs().tmpDir().resolve("save-" + UUID.randomUUID());
    try {
      Digester digester = Digester.of(layer.diffId().algorithm());
      try (InputStream in = layer.openUncompressed(); OutputStream fileOut = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) != -1; ) {
          digester.update(buf, 0, n);
          fileOut.write(buf, 0, n);
        }
      }
      Digest actual = digester.digest();
      if (!actual.equals(layer.diffId())) {
        throw new DigestMismatchException("layer " + layer.descriptor().digest() + " diffId",
            layer.diffId(), actual);
      }
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setSize(Files.size(tmp));
      entry.setMode(0644);
      entry.setModTime(0);
      tar.putArchiveEntry(entry);
      try (InputStream in = Files.newInputStream(tmp)) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void writeBlob(TarArchiveOutputStream tar, String name, BlobStore blobs, Digest digest)
      throws IOException {
    long size = blobs.size(digest).orElseThrow(
        () -> new dev.kiln.oci.BlobUnknownException(digest, "the store"));
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    entry.setMode(0644);
    entry.setModTime(0);
    tar.putArchiveEntry(entry);
    try (InputStream in = blobs.open(digest)) {
      long copied = in.transferTo(tar);
      if (copied != size) {
        throw new IOException("blob " + digest + " changed size while being saved");
      }
    }
    tar.closeArchiveEntry();
  }

  private static void writeBytes(TarArchiveOutputStream tar, String name, byte[] bytes)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(bytes.length);
    entry.setMode(0644);
    entry.setModTime(0);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  // ---------------------------------------------------------------- load

  /**
   * Loads an archive of either format (detected from its content; gzip or zstd compression of the
   * whole archive is undone). Does not close {@code in}.
   *
   * @param store the store
   * @param in the archive
   * @param source names the archive in error messages (its path, or "stdin")
   * @return what was loaded
   * @throws IOException with a one-line message naming the archive and the problem; the store is
   *     then unchanged
   */
  public static Loaded load(LayoutImageStore store, InputStream in, String source) throws IOException {
    Path stagingRoot = store.blobs().tmpDir().resolve("load-" + UUID.randomUUID());
    try {
      FileBlobStore staging = new FileBlobStore(stagingRoot);
      Staged staged = stage(staging, in, source);
      Plan plan = staged.files.containsKey("manifest.json")
          ? planDocker(staging, staged, source)
          : staged.files.containsKey("index.json")
              ? planOci(staging, staged, source)
              : failNoMetadata(source);
      try (var _ = store.lease()) {
        for (Descriptor d : plan.blobs) {
          store.blobs().transferFrom(staging, d);
        }
        store.tagAll(plan.tags);
      }
      return new Loaded(plan.tags, plan.untagged);
    } finally {
      GarbageCollector.deleteTree(stagingRoot);
    }
  }

  private static Plan failNoMetadata(String source) throws IOException {
    throw new IOException("archive " + source
        + ": neither manifest.json (docker-archive) nor index.json (OCI archive) found");
  }

  /** The archive's files: small metadata read whole, everything else staged as a blob. */
  private record Staged(Map<String, byte[]> files, Map<String, Descriptor> blobs,
      Map<String, String> links) {}

  /** What to move in and tag once everything is verified. */
  private record Plan(List<Descriptor> blobs, List<TaggedImage> tags, List<Descriptor> untagged) {}

  private static Staged stage(FileBlobStore staging, InputStream raw, String source)
      throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    Map<String, Descriptor> blobs = new HashMap<>();
    Map<String, String> links = new HashMap<>();
    InputStream in = Compression.decompress(new BufferedInputStream(raw));
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    try {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = normalize(entry.getName());
        if (entry.isSymbolicLink() || entry.isLink()) {
          String target = entry.isSymbolicLink() ? resolveLink(name, entry.getLinkName())
              : normalize(entry.getLinkName());
          links.put(name, target);
          continue;
        }
        if (!entry.isFile()) {
          continue;
        }
        if (METADATA.contains(name)) {
          files.put(name, readCapped(tar, name, source));
          continue;
        }
        Matcher m = BLOB_PATH.matcher(name);
        if (m.matches() && Digest.isValid(m.group(1) + ":" + m.group(2))) {
          Digest digest = new Digest(m.group(1), m.group(2));
          try {
            blobs.put(name, staging.put(tar, Descriptor.of("", digest, entry.getSize())));
          } catch (OciException e) {
            throw new OciException(e.code(), "archive " + source + ": entry " + name + ": "
                + e.getMessage());
          }
        } else {
          blobs.put(name, staging.put(tar, ""));
        }
      }
    } catch (OciException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("archive " + source + " is truncated or not a tar archive: "
          + e.getMessage(), e);
    }
    return new Staged(files, blobs, links);
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    return n;
  }

  private static String resolveLink(String name, String target) {
    if (target.startsWith("/")) {
      return normalize(target);
    }
    Path base = Path.of("/" + name).getParent();
    return normalize(base.resolve(target).normalize().toString());
  }

  private static byte[] readCapped(InputStream in, String name, String source) throws IOException {
    byte[] bytes = in.readNBytes(MAX_JSON);
    if (in.read() >= 0) {
      throw new IOException("archive " + source + ": " + name + " is over " + MAX_JSON + " bytes");
    }
    return bytes;
  }

  private static Descriptor file(Staged staged, String path, String source, String role)
      throws IOException {
    String p = normalize(path);
    for (int hops = 0; hops < 16 && staged.links.containsKey(p); hops++) {
      p = staged.links.get(p);
    }
    Descriptor d = staged.blobs.get(p);
    if (d == null) {
      throw new IOException("archive " + source + ": " + role + " " + path
          + " is listed but not in the archive");
    }
    return d;
  }

  private static Plan planDocker(FileBlobStore staging, Staged staged, String source)
      throws IOException {
    List<ObjectNode> entries;
    try {
      // manifest.json is a top-level array; wrap it so the object-oriented helpers apply.
      byte[] wrapped = ("{\"m\":" + new String(staged.files.get("manifest.json"), StandardCharsets.UTF_8)
          + "}").getBytes(StandardCharsets.UTF_8);
      entries = Json.objects(Json.readObject(wrapped), "m", "manifest.json");
    } catch (ShapeException e) {
      throw new IOException("archive " + source + ": manifest.json: " + e.getMessage(), e);
    }
    List<Descriptor> blobs = new ArrayList<>();
    List<TaggedImage> tags = new ArrayList<>();
    List<Descriptor> untagged = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      ObjectNode entry = entries.get(i);
      String where = "manifest.json[" + i + "]";
      String configPath;
      List<String> repoTags;
      List<String> layerPaths;
      try {
        configPath = Json.requireText(entry, "Config", where);
        repoTags = Json.textList(entry, "RepoTags", where);
        layerPaths = Json.textList(entry, "Layers", where);
      } catch (ShapeException e) {
        throw new IOException("archive " + source + ": " + e.getMessage(), e);
      }
      Descriptor configFile = file(staged, configPath, source, "config");
      Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, configFile.digest(), configFile.size());
      List<Descriptor> layers = new ArrayList<>();
      for (String lp : layerPaths) {
        Descriptor f = file(staged, lp, source, "layer");
        layers.add(Descriptor.of(layerMediaType(staging, f.digest()), f.digest(), f.size()));
      }
      RawManifest raw = ImageManifest.of(config, layers).toRaw();
      String what = "archive " + source + ", " + where;
      validate(staging, raw, what);
      List<Reference> refs = references(repoTags, what);
      // The manifest kiln wrote is a blob like any other: stage it so it moves in with the rest.
      Descriptor manifest = staging.put(new ByteArrayInputStream(raw.bytes()), raw.descriptor());
      blobs.add(config);
      blobs.addAll(layers);
      blobs.add(manifest);
      refs.forEach(r -> tags.add(new TaggedImage(r, manifest)));
      if (refs.isEmpty()) {
        untagged.add(manifest);
      }
    }
    return new Plan(blobs, tags, untagged);
  }

  private static String layerMediaType(FileBlobStore staging, Digest digest) throws IOException {
    try (InputStream in = new BufferedInputStream(staging.open(digest))) {
      return switch (Compression.detect(in)) {
        case GZIP -> MediaTypes.OCI_LAYER_GZIP;
        case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
        case NONE -> MediaTypes.OCI_LAYER_TAR;
      };
    }
  }

  private static void validate(FileBlobStore staging, RawManifest raw, String what)
      throws IOException {
    try {
      Images.validate(new LayoutImage(staging, raw), what);
    } catch (ManifestInvalidException e) {
      throw new ManifestInvalidException(e.getMessage().startsWith(what) ? e.getMessage()
          : what + ": " + e.getMessage(), e);
    } catch (dev.kiln.oci.BlobUnknownException e) {
      throw new OciException(ErrorCode.MANIFEST_BLOB_UNKNOWN, what + ": blob " + e.digest()
          + " is not in the archive");
    }
  }

  private static List<Reference> references(List<String> names, String what) throws IOException {
    List<Reference> refs = new ArrayList<>();
    for (String name : names) {
      try {
        Reference r = Reference.parse(name, Reference.Defaults.DOCKER_HUB);
        if (r.tag().isEmpty() || r.digest().isPresent()) {
          throw new OciFormatException(ErrorCode.TAG_INVALID, "'" + name + "' is not name:tag");
        }
        refs.add(r);
      } catch (OciFormatException e) {
        throw new OciException(e.code(), what + ": image name: " + e.getMessage());
      }
    }
    return refs;
  }

  private static Plan planOci(FileBlobStore staging, Staged staged, String source)
      throws IOException {
    IndexManifest index;
    try {
      index = (IndexManifest) RawManifest.from(staged.files.get("index.json"), MediaTypes.OCI_INDEX,
          "archive " + source + ": index.json").manifest();
    } catch (ClassCastException e) {
      throw new ManifestInvalidException("archive " + source + ": index.json is not an index");
    }
    Set<Descriptor> blobs = new LinkedHashSet<>();
    List<TaggedImage> tags = new ArrayList<>();
    List<Descriptor> untagged = new ArrayList<>();
    for (int i = 0; i < index.manifests().size(); i++) {
      Descriptor d = index.manifests().get(i);
      String what = "archive " + source + ", index.json manifests[" + i + "] (" + d.digest() + ")";
      collectOci(staging, d, what, blobs);
      Descriptor plain = Descriptor.of(d.mediaType(), d.digest(), d.size());
      Optional<String> name = Optional.ofNullable(d.annotations().get(Descriptor.REF_NAME));
      if (name.isPresent()) {
        references(List.of(name.get()), what).forEach(r -> tags.add(new TaggedImage(r, plain)));
      } else {
        untagged.add(plain);
      }
    }
    return new Plan(new ArrayList<>(blobs), tags, untagged);
  }

  private static void collectOci(FileBlobStore staging, Descriptor d, String what,
      Set<Descriptor> out) throws IOException {
    Optional<Long> size = staging.size(d.digest());
    if (size.isEmpty()) {
      throw new OciException(ErrorCode.MANIFEST_BLOB_UNKNOWN, what + ": blob " + d.digest()
          + " is not in the archive");
    }
    if (size.get() != d.size()) {
      throw new dev.kiln.oci.SizeMismatchException(what + ": blob " + d.digest(), d.size(), size.get(),
          false);
    }
    if (MediaTypes.isManifest(d.mediaType())) {
      byte[] bytes = staging.readAll(d.digest(), RawManifest.MAX_BYTES);
      RawManifest raw = RawManifest.from(bytes, d.mediaType(), what);
      switch (raw.manifest()) {
        case ImageManifest im -> {
          validate(staging, raw, what);
          out.add(im.config());
          out.addAll(im.layers());
        }
        case IndexManifest ix -> {
          for (Descriptor child : ix.manifests()) {
            collectOci(staging, child, what + " → " + child.digest(), out);
          }
        }
      }
    }
    out.add(d);
  }
}
