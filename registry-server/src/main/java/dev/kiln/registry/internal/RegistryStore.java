package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.BlobUnknownException;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digester;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.RawManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The registry's content on a {@link StorageDriver}, in the tree of {@link StorageLayout}: blobs in
 * one CAS, repositories as links, uploads as files in storage so that any process on the same
 * storage can continue them. Thread-safe. Every error is an {@link OciException} with the spec's
 * code.
 */
public final class RegistryStore {
  private static final JsonMapper JSON = new JsonMapper();
  private static final int LINK_CAP = 64 * 1024;
  // Uploads arrive in pieces of Undertow's 16 KiB buffers; gathering 256 KiB before each file write
  // cut the write(2) calls of a 500 MiB upload from 32,000 to 2,000.
  private static final int BUFFER = 256 * 1024;

  private final StorageDriver driver;
  private final Clock clock;
  // Mutable: running digests of the uploads this process has seen, rebuilt from storage when absent.
  private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();
  // Mutable: media types of manifests already parsed; content addressing makes entries immutable.
  private final Map<Digest, String> manifestTypes = new ConcurrentHashMap<>();

  /**
   * Uses storage.
   *
   * @param driver the storage
   * @param clock the clock for upload times
   */
  public RegistryStore(StorageDriver driver, Clock clock) {
    this.driver = Objects.requireNonNull(driver, "driver");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The storage under this store.
   *
   * @return the driver
   */
  public StorageDriver driver() {
    return driver;
  }

  // ---- blobs ----

  /**
   * The size of a blob linked into a repository.
   *
   * @param repository the repository
   * @param digest the blob
   * @return its size
   * @throws OciException BLOB_UNKNOWN when not linked or not in the CAS
   */
  public long blobSize(String repository, Digest digest) throws IOException {
    if (!linked(repository, digest)) {
      throw new BlobUnknownException(digest, repository);
    }
    return driver.stat(StorageLayout.blobData(digest))
        .orElseThrow(() -> new BlobUnknownException(digest, repository)).size();
  }

  /**
   * Opens a blob linked into a repository.
   *
   * @param repository the repository
   * @param digest the blob
   * @return the channel, at the blob's first byte; its size is the blob's; the caller closes it
   * @throws OciException BLOB_UNKNOWN when absent
   */
  public FileChannel openBlob(String repository, Digest digest) throws IOException {
    if (!linked(repository, digest)) {
      throw new BlobUnknownException(digest, repository);
    }
    return driver.channel(StorageLayout.blobData(digest), 0)
        .orElseThrow(() -> new BlobUnknownException(digest, repository));
  }

  // A blob belongs to a repository as a layer or as a manifest revision.
  private boolean linked(String repository, Digest digest) throws IOException {
    return driver.stat(StorageLayout.layerLink(repository, digest)).isPresent()
        || driver.stat(StorageLayout.revisionLink(repository, digest)).isPresent();
  }

  /**
   * Unlinks a blob from a repository; the CAS keeps it until garbage collection.
   *
   * @param repository the repository
   * @param digest the blob
   * @throws OciException BLOB_UNKNOWN when not linked
   */
  public void deleteBlob(String repository, Digest digest) throws IOException {
    String link = StorageLayout.layerLink(repository, digest);
    if (driver.stat(link).isEmpty()) {
      throw new BlobUnknownException(digest, repository);
    }
    driver.delete(parent(link));
  }

  /**
   * Links a blob that is already stored into a repository without copying bytes.
   *
   * @param repository the target repository
   * @param digest the blob
   * @param from the source repository, or empty to accept any blob in the CAS
   * @return whether the blob was mounted
   */
  @SuppressWarnings("try") // the lock is held for the block, never read
  public boolean mount(String repository, Digest digest, Optional<String> from) throws IOException {
    if (from.isPresent()) {
      try {
        blobSize(from.get(), digest);
      } catch (BlobUnknownException e) {
        return false;
      }
    } else if (driver.stat(StorageLayout.blobData(digest)).isEmpty()) {
      return false;
    }
    try (StorageDriver.Lock lock = driver.lock(false)) {
      driver.touch(StorageLayout.blobData(digest));
      linkBlob(repository, digest);
    } catch (java.nio.file.NoSuchFileException e) {
      return false; // collected meanwhile
    }
    return true;
  }

  private void linkBlob(String repository, Digest digest) throws IOException {
    driver.write(StorageLayout.layerLink(repository, digest), digest.toString().getBytes(UTF_8));
  }

  // ---- uploads ----

  /**
   * Starts an upload in storage.
   *
   * @param repository the repository
   * @return the upload id
   */
  public String startUpload(String repository) throws IOException {
    String id = UUID.randomUUID().toString();
    driver.write(StorageLayout.uploadStarted(repository, id),
        clock.instant().toString().getBytes(UTF_8));
    try (OutputStream out = driver.append(StorageLayout.uploadData(repository, id))) {
      out.flush();
    }
    return id;
  }

  /**
   * The bytes an upload holds so far.
   *
   * @param repository the repository
   * @param id the upload id
   * @return the offset the next chunk starts at
   * @throws OciException BLOB_UPLOAD_UNKNOWN when there is no such upload
   */
  public long uploadSize(String repository, String id) throws IOException {
    checkUploadId(id);
    return driver.stat(StorageLayout.uploadData(repository, id))
        .orElseThrow(() -> uploadUnknown(repository, id)).size();
  }

  /**
   * When an upload began.
   *
   * @param repository the repository
   * @param id the upload id
   * @return the start time
   */
  public Instant uploadStarted(String repository, String id) throws IOException {
    return driver.read(StorageLayout.uploadStarted(repository, id), LINK_CAP)
        .map(b -> parseInstant(new String(b, UTF_8)))
        .orElseThrow(() -> uploadUnknown(repository, id));
  }

  /**
   * Appends a chunk to an upload, streaming. A chunk that fails part-way is cut off again, so the
   * client can send it anew.
   *
   * @param repository the repository
   * @param id the upload id
   * @param in the chunk; read to its end, not closed
   * @param start where the client says the chunk starts, or -1 when it does not say
   * @param length the declared chunk length, or -1 when unknown
   * @return the upload's size after the chunk
   * @throws OciException BLOB_UPLOAD_UNKNOWN; RANGE_INVALID (416) when {@code start} is not the
   *     current size; SIZE_INVALID when the body is not {@code length} bytes
   */
  public long append(String repository, String id, InputStream in, long start, long length)
      throws IOException {
    UploadSession session = session(repository, id);
    session.lock.lock();
    try {
      long size = uploadSize(repository, id);
      if (session.offset != size) {
        session.rehash(driver, StorageLayout.uploadData(repository, id));
      }
      if (start >= 0 && start != size) {
        throw new OciException(ErrorCode.RANGE_INVALID, 416, "upload " + id + " in " + repository
            + ": chunk starts at " + start + " but the upload holds " + size + " bytes", null, null);
      }
      String data = StorageLayout.uploadData(repository, id);
      long written = 0;
      boolean ok = false;
      try (OutputStream out = driver.append(data)) {
        // A small layer's known length sizes the buffer: 2,000 of them allocate 4 MiB, not 512.
        byte[] buffer = new byte[length >= 0 ? Math.clamp(length, 1, BUFFER) : BUFFER];
        for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
          out.write(buffer, 0, n);
          session.digester.update(buffer, 0, n);
          written += n;
        }
        if (length >= 0 && written != length) {
          throw new OciException(ErrorCode.SIZE_INVALID, "upload " + id + " in " + repository
              + ": chunk declared " + length + " bytes, body had " + written);
        }
        ok = true;
      } finally {
        if (!ok) {
          sessions.remove(key(repository, id));
          if (driver.stat(data).isPresent()) {
            driver.truncate(data, size);
          }
        }
      }
      session.offset = size + written;
      return session.offset;
    } finally {
      session.lock.unlock();
    }
  }

  /**
   * Finishes an upload: checks the digest of everything received, then publishes the blob with an
   * atomic rename and links it into the repository. A mismatch discards the upload.
   *
   * @param repository the repository
   * @param id the upload id
   * @param expected the digest the client claims
   * @return the blob's size
   * @throws OciException DIGEST_INVALID on a mismatch; BLOB_UPLOAD_UNKNOWN
   */
  @SuppressWarnings("try") // the lock is held for the block, never read
  public long commit(String repository, String id, Digest expected) throws IOException {
    UploadSession session = session(repository, id);
    session.lock.lock();
    try {
      String data = StorageLayout.uploadData(repository, id);
      long size = uploadSize(repository, id);
      if (session.offset != size || !session.digester.algorithm().equals(expected.algorithm())) {
        session.rehash(driver, data, expected.algorithm());
      }
      Digest actual = session.digester.digest();
      sessions.remove(key(repository, id));
      if (!actual.equals(expected)) {
        cancel(repository, id);
        throw new DigestMismatchException("upload " + id + " in " + repository, expected, actual);
      }
      // Shared storage lock: garbage collection cannot sweep the blob between rename and link.
      try (StorageDriver.Lock lock = driver.lock(false)) {
        driver.move(data, StorageLayout.blobData(expected));
        driver.touch(StorageLayout.blobData(expected));
        linkBlob(repository, expected);
      }
      driver.delete(StorageLayout.uploads(repository) + "/" + id);
      return size;
    } finally {
      session.lock.unlock();
    }
  }

  /**
   * Cancels an upload and deletes what it received.
   *
   * @param repository the repository
   * @param id the upload id
   * @throws OciException BLOB_UPLOAD_UNKNOWN
   */
  public void cancel(String repository, String id) throws IOException {
    uploadSize(repository, id);
    sessions.remove(key(repository, id));
    driver.delete(StorageLayout.uploads(repository) + "/" + id);
  }

  /**
   * Deletes every upload started longer ago than a limit and idle since.
   *
   * @param maxAge the limit
   * @return the uploads deleted
   */
  public int expireUploads(Duration maxAge) throws IOException {
    Instant cutoff = clock.instant().minus(maxAge);
    int expired = 0;
    for (String repository : repositories()) {
      for (String id : driver.list(StorageLayout.uploads(repository))) {
        String dir = StorageLayout.uploads(repository) + "/" + id;
        Instant started;
        try {
          started = uploadStarted(repository, id);
        } catch (OciException e) {
          // Being created or being finished right now: its directory's time stands in.
          started = driver.stat(dir).map(StorageDriver.Stat::modified).orElse(clock.instant());
        }
        Instant lastWrite = driver.stat(dir + "/data").map(StorageDriver.Stat::modified)
            .orElse(started);
        if (started.isBefore(cutoff) && lastWrite.isBefore(cutoff)) {
          sessions.remove(key(repository, id));
          driver.delete(dir);
          expired++;
        }
      }
    }
    return expired;
  }

  private UploadSession session(String repository, String id) throws IOException {
    uploadSize(repository, id);
    return sessions.computeIfAbsent(key(repository, id), k -> new UploadSession());
  }

  private static String key(String repository, String id) {
    return repository + "@" + id;
  }

  private static void checkUploadId(String id) throws OciException {
    try {
      UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new OciException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload id '" + id + "' is malformed");
    }
  }

  private static OciException uploadUnknown(String repository, String id) {
    return new OciException(ErrorCode.BLOB_UPLOAD_UNKNOWN,
        "upload " + id + " unknown in " + repository);
  }

  private static Instant parseInstant(String text) {
    try {
      return Instant.parse(text.strip());
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }

  /** The running digest of one upload; offset -1 until it has been computed. */
  private static final class UploadSession {
    final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    Digester digester = Digester.sha256();
    long offset;

    void rehash(StorageDriver driver, String data) throws IOException {
      rehash(driver, data, digester.algorithm());
    }

    // After a restart, or a chunk from another replica, the hash state is rebuilt from the bytes.
    void rehash(StorageDriver driver, String data, String algorithm) throws IOException {
      Digester fresh = Digester.of(algorithm);
      try (InputStream in = driver.open(data, 0).orElseThrow(
          () -> new OciException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload data vanished"))) {
        byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) != -1; ) {
          fresh.update(buffer, 0, n);
        }
      }
      digester = fresh;
      offset = fresh.count();
    }
  }

  // ---- manifests and tags ----

  /** A manifest as stored: its exact bytes, media type and digest. */
  public record StoredManifest(String mediaType, byte[] bytes, Digest digest) {
    /** Copies. */
    public StoredManifest {
      bytes = bytes.clone();
    }

    /**
     * The bytes.
     *
     * @return a copy
     */
    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /**
   * Resolves a tag or digest to a manifest digest.
   *
   * @param repository the repository
   * @param reference a tag or a digest string
   * @return the manifest digest
   * @throws OciException MANIFEST_UNKNOWN, TAG_INVALID, DIGEST_INVALID
   */
  public Digest resolve(String repository, String reference) throws IOException {
    if (reference.contains(":")) {
      Digest digest = Digest.parse(reference);
      if (driver.stat(StorageLayout.revisionLink(repository, digest)).isEmpty()) {
        throw new ManifestUnknownException(reference, repository);
      }
      return digest;
    }
    String tag = dev.kiln.oci.Reference.checkTag(reference);
    byte[] link = driver.read(StorageLayout.tagLink(repository, tag), LINK_CAP)
        .orElseThrow(() -> new ManifestUnknownException(reference, repository));
    return Digest.parse(new String(link, UTF_8).strip());
  }

  /**
   * Reads a manifest of a repository.
   *
   * @param repository the repository
   * @param reference a tag or digest
   * @return the manifest
   * @throws OciException MANIFEST_UNKNOWN
   */
  public StoredManifest manifest(String repository, String reference) throws IOException {
    Digest digest = resolve(repository, reference);
    byte[] bytes = driver.read(StorageLayout.blobData(digest), RawManifest.MAX_BYTES)
        .orElseThrow(() -> new ManifestUnknownException(reference, repository));
    String type = manifestTypes.get(digest);
    if (type == null) {
      type = RawManifest.from(bytes, "", "manifest " + digest).mediaType();
      if (manifestTypes.size() > 100_000) {
        manifestTypes.clear();
      }
      manifestTypes.put(digest, type);
    }
    return new StoredManifest(type, bytes, digest);
  }

  /**
   * Stores a manifest: its bytes in the CAS, a revision link, the tag when given, and a referrer
   * link under its subject. Holds the storage lock shared so garbage collection cannot run between
   * the reference check and the write.
   *
   * @param repository the repository
   * @param tag the tag to point at it, or empty
   * @param raw the exact bytes as received
   * @param parsed their parsed view
   * @param checkReferences whether every referenced blob and manifest must exist
   * @throws OciException MANIFEST_BLOB_UNKNOWN when a reference is missing
   */
  @SuppressWarnings("try") // the lock is held for the block, never read
  public void putManifest(String repository, Optional<String> tag, RawManifest raw, Manifest parsed,
      boolean checkReferences) throws IOException {
    try (StorageDriver.Lock lock = driver.lock(false)) {
      if (checkReferences) {
        checkReferences(repository, parsed);
      }
      Digest digest = raw.digest();
      String data = StorageLayout.blobData(digest);
      if (driver.stat(data).isEmpty()) {
        driver.write(data, raw.bytes());
      } else {
        driver.touch(data);
      }
      manifestTypes.put(digest, raw.mediaType());
      driver.write(StorageLayout.revisionLink(repository, digest), digest.toString().getBytes(UTF_8));
      if (parsed.subject().isPresent()) {
        Digest subject = parsed.subject().get().digest();
        driver.write(StorageLayout.referrerLink(repository, subject, digest),
            referrerDescriptor(raw, parsed));
      }
      if (tag.isPresent()) {
        driver.write(StorageLayout.tagLink(repository, tag.get()), digest.toString().getBytes(UTF_8));
      }
    }
  }

  private void checkReferences(String repository, Manifest parsed) throws IOException {
    switch (parsed) {
      case ImageManifest m -> {
        List<Descriptor> blobs = new ArrayList<>(m.layers());
        blobs.add(m.config());
        for (Descriptor d : blobs) {
          if (!d.urls().isEmpty()) {
            continue; // non-distributable layers live elsewhere by definition
          }
          long size;
          try {
            size = blobSize(repository, d.digest());
            driver.touch(StorageLayout.blobData(d.digest()));
          } catch (BlobUnknownException e) {
            throw blobUnknown(repository, d, "blob");
          }
          if (size != d.size()) {
            throw new ManifestInvalidException("manifest in " + repository + ": blob " + d.digest()
                + " is " + size + " bytes, the descriptor says " + d.size());
          }
        }
      }
      case IndexManifest i -> {
        for (Descriptor d : i.manifests()) {
          if (driver.stat(StorageLayout.revisionLink(repository, d.digest())).isEmpty()) {
            throw blobUnknown(repository, d, "manifest");
          }
        }
      }
    }
  }

  private static OciException blobUnknown(String repository, Descriptor d, String what) {
    return new OciException(ErrorCode.MANIFEST_BLOB_UNKNOWN, ErrorCode.MANIFEST_BLOB_UNKNOWN.status(),
        "manifest in " + repository + " references " + what + " " + d.digest()
            + ", which is not in the repository", new BlobUnknownException.Detail(d.digest().toString()),
        null);
  }

  private static byte[] referrerDescriptor(RawManifest raw, Manifest parsed) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("mediaType", raw.mediaType());
    o.put("digest", raw.digest().toString());
    o.put("size", raw.size());
    // image-spec: when artifactType is absent, the config's media type stands in for it.
    Optional<String> artifactType = parsed.artifactType().or(() -> parsed instanceof ImageManifest m
        ? Optional.of(m.config().mediaType()) : Optional.empty());
    artifactType.ifPresent(t -> o.put("artifactType", t));
    if (!parsed.annotations().isEmpty()) {
      ObjectNode a = o.putObject("annotations");
      parsed.annotations().forEach(a::put);
    }
    return JSON.writeValueAsBytes(o);
  }

  /**
   * The referrers of a subject, as descriptor JSON objects.
   *
   * @param repository the repository
   * @param subject the subject's digest
   * @param artifactType only referrers of this type, or empty for all
   * @return the descriptors, by digest
   */
  public List<JsonNode> referrers(String repository, Digest subject, Optional<String> artifactType)
      throws IOException {
    List<JsonNode> result = new ArrayList<>();
    String dir = StorageLayout.referrers(repository, subject);
    for (String algorithm : driver.list(dir)) {
      for (String encoded : driver.list(dir + "/" + algorithm)) {
        Digest referrer;
        try {
          referrer = new Digest(algorithm, encoded);
        } catch (OciFormatException e) {
          continue;
        }
        if (driver.stat(StorageLayout.revisionLink(repository, referrer)).isEmpty()) {
          continue; // deleted since
        }
        Optional<byte[]> link = driver.read(StorageLayout.referrerLink(repository, subject, referrer),
            LINK_CAP);
        if (link.isEmpty()) {
          continue;
        }
        JsonNode d = JSON.readTree(link.get());
        if (artifactType.isEmpty() || artifactType.get().equals(d.path("artifactType").asText())) {
          result.add(d);
        }
      }
    }
    return result;
  }

  /**
   * Deletes a manifest revision, every tag pointing at it and its referrer link.
   *
   * @param repository the repository
   * @param digest the manifest
   * @throws OciException MANIFEST_UNKNOWN
   */
  public void deleteManifest(String repository, Digest digest) throws IOException {
    String link = StorageLayout.revisionLink(repository, digest);
    if (driver.stat(link).isEmpty()) {
      throw new ManifestUnknownException(digest.toString(), repository);
    }
    for (String tag : tags(repository)) {
      Optional<byte[]> t = driver.read(StorageLayout.tagLink(repository, tag), LINK_CAP);
      if (t.isPresent() && new String(t.get(), UTF_8).strip().equals(digest.toString())) {
        driver.delete(StorageLayout.tags(repository) + "/" + tag);
      }
    }
    driver.delete(parent(link));
  }

  /**
   * Deletes one tag; the manifest and other tags stay.
   *
   * @param repository the repository
   * @param tag the tag
   * @throws OciException MANIFEST_UNKNOWN when there is no such tag
   */
  public void deleteTag(String repository, String tag) throws IOException {
    if (driver.stat(StorageLayout.tagLink(repository, tag)).isEmpty()) {
      throw new ManifestUnknownException(tag, repository);
    }
    driver.delete(StorageLayout.tags(repository) + "/" + tag);
  }

  /**
   * The tags of a repository, sorted.
   *
   * @param repository the repository
   * @return the tags
   */
  public List<String> tags(String repository) throws IOException {
    List<String> tags = new ArrayList<>();
    for (String t : driver.list(StorageLayout.tags(repository))) {
      if (driver.stat(StorageLayout.tagLink(repository, t)).isPresent()) {
        tags.add(t);
      }
    }
    return tags;
  }

  /**
   * Whether a repository exists (has any link or upload).
   *
   * @param repository the repository
   * @return whether it exists
   */
  public boolean exists(String repository) throws IOException {
    return driver.stat(StorageLayout.repository(repository)).isPresent();
  }

  /**
   * Every repository, sorted.
   *
   * @return the names
   */
  public List<String> repositories() throws IOException {
    List<String> names = new ArrayList<>();
    collect("", names);
    names.sort(null);
    return names;
  }

  private void collect(String prefix, List<String> names) throws IOException {
    String dir = prefix.isEmpty() ? StorageLayout.REPOSITORIES
        : StorageLayout.REPOSITORIES + "/" + prefix;
    boolean repository = false;
    for (String child : driver.list(dir)) {
      if (child.startsWith("_")) {
        repository = true;
      } else if (!child.startsWith(".")) {
        collect(prefix.isEmpty() ? child : prefix + "/" + child, names);
      }
    }
    if (repository) {
      names.add(prefix);
    }
  }

  /**
   * The manifest revisions of a repository.
   *
   * @param repository the repository
   * @return their digests
   */
  public List<Digest> revisions(String repository) throws IOException {
    List<Digest> result = new ArrayList<>();
    String dir = StorageLayout.revisions(repository);
    for (String algorithm : driver.list(dir)) {
      for (String encoded : driver.list(dir + "/" + algorithm)) {
        try {
          result.add(new Digest(algorithm, encoded));
        } catch (OciFormatException e) {
          // a stray directory is no revision
        }
      }
    }
    return result;
  }

  /**
   * The blobs linked into a repository.
   *
   * @param repository the repository
   * @return their digests
   */
  public List<Digest> layerLinks(String repository) throws IOException {
    List<Digest> result = new ArrayList<>();
    String dir = StorageLayout.repository(repository) + "/_layers";
    for (String algorithm : driver.list(dir)) {
      for (String encoded : driver.list(dir + "/" + algorithm)) {
        try {
          result.add(new Digest(algorithm, encoded));
        } catch (OciFormatException e) {
          // a stray directory is no link
        }
      }
    }
    return result;
  }

  /**
   * Reads the bytes of a blob in the CAS whole, for manifests.
   *
   * @param digest the blob
   * @return its bytes, or empty when absent
   */
  public Optional<byte[]> readSmallBlob(Digest digest) throws IOException {
    return driver.read(StorageLayout.blobData(digest), RawManifest.MAX_BYTES);
  }

  private static String parent(String path) {
    return path.substring(0, path.lastIndexOf('/'));
  }
}
