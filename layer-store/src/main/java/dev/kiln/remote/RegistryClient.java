package dev.kiln.remote;

import dev.kiln.oci.Blob;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.DigestMismatchException;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import dev.kiln.oci.SizeMismatchException;
import dev.kiln.oci.internal.Json;
import dev.kiln.remote.internal.HttpErrors;
import dev.kiln.remote.internal.Redact;
import dev.kiln.remote.internal.RegistryAuth;
import dev.kiln.remote.internal.Scope;
import dev.kiln.remote.internal.ClientSockets;
import dev.kiln.remote.internal.Tls;
import dev.kiln.store.BlobStore;
import dev.kiln.store.BlobWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * A client of OCI distribution registries: manifests, blobs, push and pull. Immutable and
 * thread-safe; build one per process with {@link #builder()} and share it (it owns the connection
 * pool and the token cache).
 *
 * <p>Every endpoint is one small private method that builds its request, accepts its expected
 * statuses and hands anything else to the one error decoder. Auth (anonymous, Basic, Bearer tokens)
 * happens in the transport. Idempotent calls are retried on temporary failures (429, 5xx, dropped
 * connections) honouring {@code Retry-After}; blob downloads resume with {@code Range}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">distribution-spec
 *     v1.1.0</a>
 */
public final class RegistryClient {
  private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());
  private static final MediaType OCTET = MediaType.get("application/octet-stream");
  private static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
      MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(4);
  private static final int BUFFER = 256 * 1024;
  private static final int SINK_WRITE = 32 * 1024;
  /**
   * Large blobs moved at once unless told otherwise: six, as skopeo and podman do, so the usual
   * image of up to six large layers moves in one round. With four, the fifth of five 100 MiB
   * layers went up alone after the others and a push to Distribution took 2.46 s, not 2.30 s.
   */
  public static final int DEFAULT_PARALLELISM = 6;

  private static final long SMALL_BLOB = 1L << 20;
  private static final int CONFIG_MAX_BYTES = 8 << 20;
  private static final int MAX_TAG_PAGES = 1000;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final Transport transport;
  private final Set<String> insecure;
  private final Map<String, List<String>> mirrors;
  private final int parallelism;
  private final long monolithicMax;
  private final long chunkSize;
  private final long rangeThreshold;
  private final Function<String, Optional<Credentials>> credentials;
  private final Clock clock;

  private RegistryClient(Builder b) throws IOException {
    if (b.caFile != null) {
      // Read the CA file now, so a bad one fails at start-up with its name.
      Tls.withExtraCas(b.caFile);
    }
    this.insecure = Set.copyOf(b.insecure);
    this.mirrors = Map.copyOf(b.mirrors);
    this.parallelism = b.parallelism;
    this.monolithicMax = b.monolithicMax;
    this.chunkSize = b.chunkSize;
    this.rangeThreshold = b.rangeThreshold;
    this.credentials = b.credentials;
    this.clock = b.clock;
    OkHttpClient.Builder ok = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(4 * b.parallelism + 4, 2, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(15))
        // Reads time out in the kernel (ClientSockets says why), which holds only where one call
        // owns a socket: HTTP/1.1, one connection per parallel blob.
        .socketFactory(new ClientSockets(READ_TIMEOUT))
        .readTimeout(Duration.ZERO)
        .protocols(List.of(Protocol.HTTP_1_1))
        .writeTimeout(Duration.ofSeconds(60))
        .followRedirects(true)
        .retryOnConnectionFailure(true);
    this.transport = new Transport(ok, b.caFile, new RegistryAuth(b.credentials, insecure, b.clock));
  }

  /**
   * The OkHttp clients: cleartext for registries named insecure, TLS built on first use (loading
   * the trust store costs a plain-HTTP run CPU it never needs). Both share one connection pool and
   * one auth layer. OkHttp keeps its default of dropping Authorization when a redirect leaves the
   * host.
   */
  private static final class Transport {
    private final OkHttpClient bare;
    private final Path caFile;
    private final RegistryAuth auth;
    private final OkHttpClient plain;
    // Lazily built, then immutable; guarded by this.
    private OkHttpClient tlsBare;
    private OkHttpClient tls;

    Transport(OkHttpClient.Builder base, Path caFile, RegistryAuth auth) {
      this.bare = base.connectionSpecs(List.of(okhttp3.ConnectionSpec.CLEARTEXT)).build();
      this.caFile = caFile;
      this.auth = auth;
      auth.tokenClients(url -> url.isHttps() ? tlsBare() : bare);
      this.plain = bare.newBuilder().addInterceptor(auth).authenticator(auth).build();
    }

    Transport withAuth(RegistryAuth other) {
      OkHttpClient.Builder b = bare.newBuilder();
      b.interceptors().clear();
      return new Transport(b.authenticator(okhttp3.Authenticator.NONE), caFile, other);
    }

    OkHttpClient forUrl(HttpUrl url) throws IOException {
      if (!url.isHttps()) {
        return plain;
      }
      synchronized (this) {
        if (tls == null) {
          tls = tlsBare().newBuilder().addInterceptor(auth).authenticator(auth).build();
        }
        return tls;
      }
    }

    private synchronized OkHttpClient tlsBare() {
      if (tlsBare == null) {
        OkHttpClient.Builder b = bare.newBuilder().connectionSpecs(
            List.of(okhttp3.ConnectionSpec.MODERN_TLS, okhttp3.ConnectionSpec.CLEARTEXT));
        if (caFile != null) {
          try {
            Tls.Context ctx = Tls.withExtraCas(caFile);
            b.sslSocketFactory(ctx.factory(), ctx.trustManager());
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        tlsBare = b.build();
      }
      return tlsBare;
    }
  }

  /** Returns a builder with the defaults: anonymous, TLS everywhere, 4 parallel blobs. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RegistryClient}. Not thread-safe; the client it builds is. */
  public static final class Builder {
    private Function<String, Optional<Credentials>> credentials = r -> Optional.empty();
    private Set<String> insecure = Set.of();
    private Map<String, List<String>> mirrors = Map.of();
    private Path caFile;
    private int parallelism = DEFAULT_PARALLELISM;
    private long monolithicMax = 64L << 20;
    // One PATCH per blob up to 1 GiB: each extra request costs the registry a reopen of the
    // upload and its hash state (measured ~15% of a 100 MiB push to Distribution 2.8); a failed
    // PATCH still resumes where the registry says the upload stands.
    private long chunkSize = 1L << 30;
    private long rangeThreshold = 256L << 20;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Sets where credentials come from.
     *
     * @param lookup registry → credentials, e.g. {@link AuthConfig#lookup}
     * @return this
     */
    public Builder credentials(Function<String, Optional<Credentials>> lookup) {
      this.credentials = Objects.requireNonNull(lookup, "lookup");
      return this;
    }

    /**
     * Names registries spoken to over plain HTTP (and allowed plain-HTTP token realms).
     *
     * @param registries host[:port] names
     * @return this
     */
    public Builder insecure(Set<String> registries) {
      this.insecure = Set.copyOf(registries);
      return this;
    }

    /**
     * Sets pull mirrors per registry, tried in order before the registry itself.
     *
     * @param byRegistry registry → mirror hosts
     * @return this
     */
    public Builder mirrors(Map<String, List<String>> byRegistry) {
      this.mirrors = Map.copyOf(byRegistry);
      return this;
    }

    /**
     * Trusts the CA certificates (PEM) in a file besides the system's.
     *
     * @param pemFile the file
     * @return this
     */
    public Builder caFile(Path pemFile) {
      this.caFile = pemFile;
      return this;
    }

    /**
     * Sets how many blobs move at once.
     *
     * @param n at least 1; default {@link #DEFAULT_PARALLELISM}
     * @return this
     */
    public Builder parallelism(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("parallelism must be at least 1, got " + n);
      }
      this.parallelism = n;
      return this;
    }

    /**
     * Sets the sizes that pick upload and download strategies.
     *
     * @param monolithic blobs up to this many bytes go in one PUT; larger in chunks
     * @param chunk bytes per PATCH of a chunked upload (a quarter of it, at most 8 MiB, per Range
     *     request of a split download)
     * @param ranged blobs of at least this many bytes download as parallel Range requests
     * @return this
     */
    public Builder sizes(long monolithic, long chunk, long ranged) {
      if (chunk < 1 << 16) {
        throw new IllegalArgumentException("chunk size must be at least 64 KiB, got " + chunk);
      }
      this.monolithicMax = monolithic;
      this.chunkSize = chunk;
      this.rangeThreshold = ranged;
      return this;
    }

    /**
     * Sets the clock token lifetimes are measured with.
     *
     * @param c the clock
     * @return this
     */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IOException when the CA file cannot be read
     */
    public RegistryClient build() throws IOException {
      return new RegistryClient(this);
    }
  }

  /** A repository on one registry endpoint (the registry itself or one of its mirrors). */
  private record Repo(String registry, String repository) {
    @Override
    public String toString() {
      return registry + "/" + repository;
    }
  }

  // ------------------------------------------------------------------ public operations

  /**
   * Checks credentials against a registry: the ping endpoint must answer 200 with them.
   *
   * @param registry host[:port]
   * @param creds the credentials to check
   * @throws dev.kiln.oci.UnauthorizedException ({@link ErrorCode#UNAUTHORIZED}) when refused
   * @throws OciException naming the registry when it cannot be reached
   */
  public void login(String registry, Credentials creds) throws IOException {
    RegistryClient with = new RegistryClient(this, r -> r.equals(registry) ? Optional.of(creds)
        : credentials.apply(r));
    with.ping(registry);
  }

  private RegistryClient(RegistryClient other, Function<String, Optional<Credentials>> creds) {
    this.insecure = other.insecure;
    this.mirrors = other.mirrors;
    this.parallelism = other.parallelism;
    this.monolithicMax = other.monolithicMax;
    this.chunkSize = other.chunkSize;
    this.rangeThreshold = other.rangeThreshold;
    this.credentials = creds;
    this.clock = other.clock;
    this.transport = other.transport.withAuth(new RegistryAuth(creds, insecure, clock));
  }

  /**
   * Fetches a manifest by tag or digest, negotiating OCI and Docker schema 2 (images and
   * indexes), and verifies it: against the reference's digest when it has one, else against the
   * {@code Docker-Content-Digest} the registry sent.
   *
   * @param ref the reference
   * @return the manifest's exact bytes
   * @throws ManifestUnknownException when the registry has no such manifest
   * @throws DigestMismatchException when the bytes do not have the expected digest
   * @throws dev.kiln.oci.ManifestInvalidException when they are not a manifest kiln reads
   */
  public RawManifest manifest(Reference ref) throws IOException {
    IOException last = null;
    for (String endpoint : endpoints(ref.registry())) {
      try {
        return getManifest(new Repo(endpoint, ref.repository()), ref);
      } catch (IOException e) {
        if (endpoint.equals(ref.registry())) {
          throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "mirror {0} failed for {1}: {2}", endpoint, ref, e.getMessage());
        last = e;
      }
    }
    throw Objects.requireNonNull(last);
  }

  /**
   * Lists a repository's tags, following the registry's pagination ({@code Link: <…>;
   * rel="next"}).
   *
   * @param registry host[:port]
   * @param repository the repository
   * @return the tags, in the registry's order
   * @throws OciException naming the registry when the repository is unknown or the answer is not
   *     a tag list
   */
  public List<String> tags(String registry, String repository) throws IOException {
    Repo repo = new Repo(registry, repository);
    List<String> tags = new ArrayList<>();
    HttpUrl next = url(repo, "tags", "list");
    // Bounded: a registry that keeps linking to more pages cannot keep the client forever.
    for (int page = 0; next != null && page < MAX_TAG_PAGES; page++) {
      HttpUrl pageUrl = next;
      Request rq = new Request.Builder().url(pageUrl).get()
          .tag(Scope.class, Scope.pull(registry, repository)).build();
      String what = "registry " + registry + ": GET tags of " + repository;
      next = retrying(what, () -> {
        try (Response r = execute(registry, rq, what)) {
          if (r.code() != 200) {
            throw HttpErrors.decode(r, what);
          }
          byte[] body;
          try (InputStream in = r.body().byteStream()) {
            body = in.readNBytes(RawManifest.MAX_BYTES);
          }
          try {
            Json.readObject(body).path("tags")
                .forEach(t -> tags.add(t.asText()));
          } catch (Json.ShapeException e) {
            throw new OciException(ErrorCode.UNKNOWN, what + ": the answer is not a tag list");
          }
          return nextPage(pageUrl, r.header("Link"));
        }
      });
    }
    return List.copyOf(tags);
  }

  /** The URL of a {@code Link: <url>; rel="next"} header, resolved against the page's. */
  private static HttpUrl nextPage(HttpUrl page, String link) {
    if (link == null || !link.contains("rel=\"next\"") || link.indexOf('<') < 0) {
      return null;
    }
    return page.resolve(link.substring(link.indexOf('<') + 1, link.indexOf('>')));
  }

  /**
   * Pulls an image (or, with {@link PullOptions#allPlatforms()}, every image of an index) into a
   * blob store: the manifest, then the missing blobs in parallel, each verified while it streams
   * and stored only when complete and correct. Manifests are stored as blobs too.
   *
   * @param ref the reference
   * @param store where blobs go
   * @param options platform, listener, layer tap
   * @return the manifests pulled
   * @throws OciException one line naming the registry and blob on any failure; blobs stored
   *     before the failure are complete and verified
   */
  public PullResult pull(Reference ref, BlobStore store, PullOptions options) throws IOException {
    IOException last = null;
    for (String endpoint : endpoints(ref.registry())) {
      Repo repo = new Repo(endpoint, ref.repository());
      RawManifest root;
      try {
        root = getManifest(repo, ref);
      } catch (IOException e) {
        if (endpoint.equals(ref.registry())) {
          throw e;
        }
        last = e;
        continue;
      }
      return pullFrom(repo, ref, root, store, options);
    }
    throw Objects.requireNonNull(last);
  }

  private PullResult pullFrom(Repo repo, Reference ref, RawManifest root, BlobStore store,
      PullOptions options) throws IOException {
    switch (root.manifest()) {
      case ImageManifest im -> {
        pullImage(repo, im, store, options);
        putManifestBlob(store, root);
        return new PullResult(root, List.of(root));
      }
      case IndexManifest ix -> {
        List<Descriptor> chosen = new ArrayList<>();
        if (options.allPlatforms()) {
          ix.manifests().stream().filter(d -> MediaTypes.isImageManifest(d.mediaType())).forEach(chosen::add);
        } else {
          chosen.add(choosePlatform(ref, root, ix, options.platform()));
        }
        List<RawManifest> images = new ArrayList<>();
        for (Descriptor d : chosen) {
          RawManifest child = getManifest(repo, ref.withDigest(d.digest()));
          if (!(child.manifest() instanceof ImageManifest im)) {
            throw new dev.kiln.oci.ManifestInvalidException("index " + root.digest() + " of " + ref
                + " lists " + d.digest() + " as an image, but it is an index");
          }
          pullImage(repo, im, store, options);
          putManifestBlob(store, child);
          images.add(child);
        }
        if (options.allPlatforms()) {
          putManifestBlob(store, root);
          return new PullResult(root, images);
        }
        return new PullResult(images.get(0), images);
      }
    }
  }

  private static Descriptor choosePlatform(Reference ref, RawManifest root, IndexManifest ix,
      Platform wanted) throws ManifestUnknownException {
    Descriptor loose = null;
    for (Descriptor d : ix.manifests()) {
      if (!MediaTypes.isImageManifest(d.mediaType()) || d.platform().isEmpty()) {
        continue;
      }
      Platform p = d.platform().get();
      if (wanted.matches(p)) {
        if (p.variant().equals(wanted.variant())) {
          return d;
        }
        if (loose == null) {
          loose = d;
        }
      }
    }
    if (loose != null) {
      return loose;
    }
    List<String> has = ix.manifests().stream().flatMap(d -> d.platform().stream())
        .map(Platform::toString).distinct().toList();
    throw new ManifestUnknownException(wanted + " image of " + ref + " (index " + root.digest()
        + " has " + (has.isEmpty() ? "no platforms" : String.join(", ", has))
        + "; choose one with --platform)", "registry " + ref.registry());
  }

  private static void putManifestBlob(BlobStore store, RawManifest raw) throws IOException {
    store.put(new java.io.ByteArrayInputStream(raw.bytes()), raw.descriptor());
  }

  private void pullImage(Repo repo, ImageManifest m, BlobStore store, PullOptions options)
      throws IOException {
    List<Descriptor> layers = new ArrayList<>();
    for (Descriptor l : m.layers()) {
      if (!MediaTypes.isNonDistributable(l.mediaType()) || l.urls().isEmpty()) {
        layers.add(l);
      }
    }
    Map<Digest, Digest> diffIds = Map.of();
    List<Descriptor> blobs = new ArrayList<>();
    if (options.tap().isPresent()) {
      // A tap unpacks layers as they arrive and needs their diffIds: the (small) config first.
      fetchBlob(repo, m.config(), store, options, Optional.empty());
      diffIds = diffIds(m, ImageConfig.parse(store.readAll(m.config().digest(), CONFIG_MAX_BYTES)));
    } else {
      blobs.add(m.config());
    }
    blobs.addAll(layers);
    // One download per digest even when a layer repeats.
    Map<Digest, Descriptor> unique = new LinkedHashMap<>();
    blobs.forEach(b -> unique.putIfAbsent(b.digest(), b));
    Map<Digest, Digest> tapped = diffIds;
    forEachParallel(List.copyOf(unique.values()), d -> fetchBlob(repo, d, store, options,
        Optional.ofNullable(tapped.get(d.digest()))));
  }

  /** Pairs each layer digest with its diffId; a config that lists other layers pairs none. */
  private static Map<Digest, Digest> diffIds(ImageManifest m, ImageConfig config) {
    List<Digest> ids = config.rootfs().diffIds();
    Map<Digest, Digest> out = new LinkedHashMap<>();
    if (ids.size() == m.layers().size()) {
      for (int i = 0; i < ids.size(); i++) {
        out.putIfAbsent(m.layers().get(i).digest(), ids.get(i));
      }
    }
    return out;
  }

  /**
   * Pushes an image or index from a blob store: for an index, each image it lists (by digest)
   * and then the index; for an image, its missing blobs in parallel and then the manifest.
   *
   * @param source where the manifest's blobs are
   * @param manifest the image manifest or index
   * @param dest the destination; its tag (or, without one, the manifest digest) names the upload
   * @param options mount sources and listener
   * @return the digest the registry stored the manifest under
   * @throws OciException one line naming the registry and blob on any failure; re-running the
   *     push uploads only what is still missing
   */
  public Digest push(BlobStore source, RawManifest manifest, Reference dest, PushOptions options)
      throws IOException {
    Repo repo = new Repo(dest.registry(), dest.repository());
    Scope scope = Scope.push(dest.registry(), dest.repository(), options.mountFrom());
    if (manifest.manifest() instanceof IndexManifest ix) {
      for (Descriptor d : ix.manifests()) {
        if (!source.exists(d.digest())) {
          throw new OciException(ErrorCode.MANIFEST_BLOB_UNKNOWN, "index " + manifest.digest()
              + " lists " + d.digest() + d.platform().map(p -> " (" + p + ")").orElse("")
              + ", which is not in the local store: pull the source with --all-platforms first");
        }
        RawManifest child = RawManifest.from(source.readAll(d.digest(), RawManifest.MAX_BYTES),
            d.mediaType(), "manifest " + d.digest());
        push(source, child, dest.withDigest(d.digest()), options);
      }
    } else {
      ImageManifest im = (ImageManifest) manifest.manifest();
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(im.config());
      for (Descriptor l : im.layers()) {
        if (!MediaTypes.isNonDistributable(l.mediaType())) {
          blobs.add(l);
        }
      }
      Map<Digest, Descriptor> unique = new LinkedHashMap<>();
      blobs.forEach(b -> unique.putIfAbsent(b.digest(), b));
      forEachParallel(List.copyOf(unique.values()),
          d -> pushBlob(repo, scope, source.blob(d), options));
    }
    String reference = dest.tag().filter(t -> dest.digest().isEmpty())
        .orElse(manifest.digest().toString());
    return putManifest(repo, scope, reference, manifest);
  }

  // ------------------------------------------------------------------ parallel fan-out

  private interface BlobTask {
    void run(Descriptor d) throws IOException;
  }

  /**
   * Threads for network fan-out: a fixed pool of daemon platform threads, not virtual threads. A
   * virtual thread blocked on a socket parks in the JDK's poller, a platform thread waiting in
   * {@code epoll_wait}; at exit the JVM waits for threads in native code to come back and gives
   * up only after 300 ms, which every push and pull then paid (measured: 0.31 s from
   * {@code System.exit} to {@code exit_group}).
   */
  private static ExecutorService transferThreads(int n) {
    return Executors.newFixedThreadPool(n, Thread.ofPlatform().daemon().name("kiln-transfer-", 0).factory());
  }

  /**
   * Runs one task per blob: at most {@code parallelism} large blobs at once, or twice as many
   * small ones (below {@link #SMALL_BLOB}), whose time goes to round trips and per-file work
   * rather than bandwidth.
   */
  private void forEachParallel(List<Descriptor> items, BlobTask task) throws IOException {
    if (items.size() == 1) {
      task.run(items.get(0));
      return;
    }
    Semaphore permits = new Semaphore(2 * parallelism);
    List<Future<Void>> futures = new ArrayList<>();
    try (ExecutorService pool = transferThreads(Math.min(items.size(), 2 * parallelism))) {
      for (Descriptor d : items) {
        int weight = d.size() < SMALL_BLOB ? 1 : 2;
        futures.add(pool.submit(() -> {
          permits.acquire(weight);
          try {
            task.run(d);
            return null;
          } finally {
            permits.release(weight);
          }
        }));
      }
      IOException first = null;
      for (Future<Void> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (first == null) {
            first = asIo(e.getCause());
            // Fail fast: cancel what has not finished; their partial blobs are discarded.
            futures.forEach(x -> x.cancel(true));
          }
        } catch (java.util.concurrent.CancellationException e) {
          // Cancelled after the first failure.
        } catch (InterruptedException e) {
          futures.forEach(x -> x.cancel(true));
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  private static IOException asIo(Throwable t) {
    return switch (t) {
      case IOException io -> io;
      case RuntimeException re -> throw re;
      case Error er -> throw er;
      default -> new IOException(t);
    };
  }

  // ------------------------------------------------------------------ blob download

  /**
   * Downloads one blob into the store unless present.
   *
   * @param diffId the layer's diffId when the blob goes through the tap too
   */
  private void fetchBlob(Repo repo, Descriptor d, BlobStore store, PullOptions options,
      Optional<Digest> diffId) throws IOException {
    TransferListener listener = options.listener();
    if (store.size(d.digest()).filter(s -> s == d.size()).isPresent()) {
      listener.finished(d, TransferListener.Outcome.PRESENT);
      return;
    }
    listener.started(d);
    Optional<LayerTap.Sink> sink = diffId.isPresent() && options.tap().isPresent()
        ? options.tap().get().open(d, diffId.get()) : Optional.empty();
    try (BlobWriter w = store.openWriter(d.digest().algorithm())) {
      OutputStream out = sink.isPresent() ? new Tee(w, sink.get()) : w;
      if (d.size() >= rangeThreshold && acceptsRanges(repo, d)) {
        fetchRanges(repo, d, out, listener);
      } else {
        fetchSequential(repo, d, out, listener);
      }
      try {
        w.commit(d);
      } catch (DigestMismatchException | SizeMismatchException e) {
        throw new OciException(e.code(), e.status(), "registry " + repo.registry() + ": blob "
            + d.digest() + " of " + repo.repository() + " failed verification (" + e.getMessage()
            + "): it was corrupted in transit or at the registry and was not stored; re-run the pull",
            null, e);
      }
      if (sink.isPresent()) {
        sink.get().close();
      }
      listener.finished(d, TransferListener.Outcome.FETCHED);
    } catch (IOException e) {
      sink.ifPresent(s -> s.abort(e));
      throw e;
    }
  }

  /** Streams a blob from the start, resuming with {@code Range} after a dropped connection. */
  private void fetchSequential(Repo repo, Descriptor d, OutputStream out, TransferListener listener)
      throws IOException {
    String what = "GET blob " + d.digest() + " of " + repo.repository();
    byte[] buf = buffer(d.size());
    long done = 0;
    for (int attempt = 1; ; attempt++) {
      try (Response r = getBlob(repo, d.digest(), done, -1)) {
        InputStream in = r.body().byteStream();
        if (r.code() == 200 && done > 0) {
          // The registry ignored Range: skip what was already written.
          in.skipNBytes(done);
        } else if (r.code() == 206 && !contentRangeStarts(r, done)) {
          throw new OciException(ErrorCode.RANGE_INVALID, "registry " + repo.registry() + ": " + what
              + ": answered Range " + done + "- with Content-Range " + r.header("Content-Range"));
        }
        while (done < d.size()) {
          // Whole buffers, not the socket's few KiB per read: each write below costs a digest
          // update, a file write, a copy into the layer tap's pipe and a progress call. What a
          // cut connection left in the buffer is still written, so the resume starts after it.
          int want = (int) Math.min(buf.length, d.size() - done);
          int n = 0;
          IOException cut = null;
          try {
            while (n < want) {
              int got = in.read(buf, n, want - n);
              if (got < 0) {
                break;
              }
              n += got;
            }
          } catch (IOException e) {
            cut = e;
          }
          if (n > 0) {
            try {
              out.write(buf, 0, n);
            } catch (IOException e) {
              throw new LocalFailure(e);
            }
            done += n;
            listener.progress(d, done);
          }
          if (cut != null) {
            throw cut;
          }
          if (n < want) {
            throw new EOFException("blob ended after " + done + " of " + d.size() + " bytes");
          }
        }
        return;
      } catch (LocalFailure e) {
        throw (IOException) e.getCause();
      } catch (IOException e) {
        IOException described = e instanceof OciException ? e
            : HttpErrors.transport(e, repo.registry(), what + " (at byte " + done + ")");
        if (attempt >= MAX_ATTEMPTS || !HttpErrors.temporary(e)) {
          throw described;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1}; resuming at byte {2}", what, e.getMessage(), done);
        backoff(attempt, e);
      }
    }
  }

  /** A copy buffer for a blob: {@link #BUFFER} bytes, less for a smaller blob. */
  private static byte[] buffer(long size) {
    // Zeroing 256 KiB per small blob cost a 200-layer pull measurable CPU (perf: memset).
    return new byte[Math.clamp(size, 1, BUFFER)];
  }

  /** A failure writing locally (disk, tap): never retried. */
  private static final class LocalFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LocalFailure(IOException cause) {
      super(cause);
    }
  }

  private static boolean contentRangeStarts(Response r, long start) {
    String cr = r.header("Content-Range", "");
    return cr.startsWith("bytes " + start + "-");
  }

  private boolean acceptsRanges(Repo repo, Descriptor d) throws IOException {
    return headBlob(new Scope(repo.registry(), List.of("repository:" + repo.repository() + ":pull")),
        repo, d.digest()).map(r -> r.contains("bytes")).orElse(false);
  }

  /**
   * Downloads a large blob as parallel Range requests of {@link #rangePiece()} bytes, a window of
   * {@code parallelism} ahead, writing the chunks in order so the digest is computed in one pass.
   */
  private void fetchRanges(Repo repo, Descriptor d, OutputStream out, TransferListener listener)
      throws IOException {
    long size = d.size();
    int chunks = (int) ((size + rangePiece() - 1) / rangePiece());
    ArrayDeque<Future<byte[]>> window = new ArrayDeque<>();
    long done = 0;
    try (ExecutorService pool = transferThreads(parallelism)) {
      int next = 0;
      try {
        for (; next < chunks && window.size() < parallelism; next++) {
          window.add(submitChunk(pool, repo, d, next));
        }
        while (!window.isEmpty()) {
          byte[] chunk = window.poll().get();
          out.write(chunk);
          done += chunk.length;
          listener.progress(d, done);
          if (next < chunks) {
            window.add(submitChunk(pool, repo, d, next++));
          }
        }
      } catch (ExecutionException e) {
        throw asIo(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while downloading " + d.digest());
      } finally {
        window.forEach(f -> f.cancel(true));
      }
    }
  }

  /** Bytes per Range request: a quarter of the upload chunk, at most 8 MiB, so a window stays small. */
  private long rangePiece() {
    return Math.clamp(chunkSize / 4, 1 << 16, 8 << 20);
  }

  private Future<byte[]> submitChunk(ExecutorService pool, Repo repo, Descriptor d, int index) {
    long start = index * rangePiece();
    long end = Math.min(d.size(), start + rangePiece()) - 1;
    return pool.submit(() -> fetchChunk(repo, d, start, end));
  }

  private byte[] fetchChunk(Repo repo, Descriptor d, long start, long end) throws IOException {
    String what = "GET blob " + d.digest() + " of " + repo.repository() + " bytes " + start + "-" + end;
    int len = (int) (end - start + 1);
    for (int attempt = 1; ; attempt++) {
      try (Response r = getBlob(repo, d.digest(), start, end)) {
        if (r.code() != 206 || !contentRangeStarts(r, start)) {
          throw new OciException(ErrorCode.RANGE_INVALID, "registry " + repo.registry() + ": "
              + what + ": answered " + r.code() + " to a Range request it advertised");
        }
        byte[] b = r.body().byteStream().readNBytes(len);
        if (b.length != len) {
          throw new EOFException("range ended after " + b.length + " of " + len + " bytes");
        }
        return b;
      } catch (IOException e) {
        IOException described = e instanceof OciException ? e
            : HttpErrors.transport(e, repo.registry(), what);
        if (attempt >= MAX_ATTEMPTS || !HttpErrors.temporary(e)) {
          throw described;
        }
        backoff(attempt, e);
      }
    }
  }

  /** Writes to the blob writer and then to the layer tap, in order. */
  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }

  // ------------------------------------------------------------------ blob upload

  private void pushBlob(Repo repo, Scope scope, Blob blob, PushOptions options) throws IOException {
    Descriptor d = blob.descriptor();
    TransferListener listener = options.listener();
    for (int attempt = 1; ; attempt++) {
      try {
        if (headBlob(scope, repo, d.digest()).isPresent()) {
          listener.finished(d, TransferListener.Outcome.EXISTS);
          return;
        }
        listener.started(d);
        Optional<String> from = options.mountFrom().stream()
            .filter(f -> !f.equals(repo.repository())).findFirst();
        Upload upload = startUpload(scope, repo, from.map(f -> new Mount(d.digest(), f)));
        if (upload.mounted()) {
          listener.finished(d, TransferListener.Outcome.MOUNTED);
          return;
        }
        HttpUrl location = upload.location();
        if (d.size() <= monolithicMax) {
          finishUpload(scope, repo, location, d, Optional.of(blob), listener);
        } else {
          location = uploadChunks(scope, repo, location, blob, listener);
          finishUpload(scope, repo, location, d, Optional.empty(), listener);
        }
        listener.finished(d, TransferListener.Outcome.PUSHED);
        return;
      } catch (IOException e) {
        // A whole-blob retry starts a new upload session; the HEAD skips it if the last one landed.
        if (attempt >= MAX_ATTEMPTS || !HttpErrors.temporary(e)) {
          throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "push of {0} to {1}: {2}; retrying", d.digest(), repo, e.getMessage());
        backoff(attempt, e);
      }
    }
  }

  /** Sends a blob in PATCH chunks; after a failed chunk, asks the registry where to resume. */
  private HttpUrl uploadChunks(Scope scope, Repo repo, HttpUrl location, Blob blob,
      TransferListener listener) throws IOException {
    Descriptor d = blob.descriptor();
    long offset = 0;
    int failures = 0;
    while (offset < d.size()) {
      long len = Math.min(chunkSize, d.size() - offset);
      try {
        location = patchUpload(scope, repo, location, blob, offset, len, listener);
        offset += len;
      } catch (IOException e) {
        if (++failures >= MAX_ATTEMPTS || !HttpErrors.temporary(e)) {
          throw e;
        }
        backoff(failures, e);
        UploadStatus status = uploadStatus(scope, repo, location);
        location = status.location();
        offset = status.next();
        LOG.log(System.Logger.Level.DEBUG, "resuming upload of {0} at byte {1}", d.digest(), offset);
      }
    }
    return location;
  }

  private record Mount(Digest digest, String from) {}

  private record Upload(boolean mounted, HttpUrl location) {}

  private record UploadStatus(HttpUrl location, long next) {}

  // ------------------------------------------------------------------ endpoints

  private List<String> endpoints(String registry) {
    List<String> out = new ArrayList<>(mirrors.getOrDefault(registry, List.of()));
    out.add(registry);
    return out;
  }

  private HttpUrl base(String registry) {
    String host = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
    HttpUrl url = HttpUrl.parse((insecure.contains(registry) ? "http://" : "https://") + host + "/v2/");
    if (url == null) {
      throw new IllegalArgumentException("registry " + registry + " is not a host[:port]");
    }
    return url;
  }

  private HttpUrl url(Repo repo, String... segments) {
    HttpUrl.Builder b = base(repo.registry()).newBuilder();
    for (String part : repo.repository().split("/")) {
      b.addPathSegment(part);
    }
    for (String s : segments) {
      b.addPathSegment(s);
    }
    return b.build();
  }

  private HttpUrl resolveLocation(Repo repo, Response r, String what) throws OciException {
    String loc = r.header("Location");
    HttpUrl url = loc == null ? null : base(repo.registry()).resolve(loc);
    if (url == null) {
      throw new OciException(ErrorCode.BLOB_UPLOAD_INVALID, "registry " + repo.registry() + ": "
          + what + ": no usable Location header in the " + r.code() + " answer");
    }
    return url;
  }

  /** GET /v2/ — the ping; answers 200 once authenticated. */
  private void ping(String registry) throws IOException {
    Request rq = new Request.Builder().url(base(registry)).get()
        .tag(Scope.class, new Scope(registry, List.of())).build();
    String what = "GET /v2/";
    try (Response r = execute(registry, rq, what)) {
      if (r.code() != 200) {
        throw HttpErrors.decode(r, "registry " + registry + ": login");
      }
    }
  }

  /** GET /v2/NAME/manifests/REFERENCE with content negotiation, then verification. */
  private RawManifest getManifest(Repo repo, Reference ref) throws IOException {
    String reference = ref.digest().map(Digest::toString).orElseGet(() -> ref.tag().orElse("latest"));
    Request rq = new Request.Builder().url(url(repo, "manifests", reference)).get()
        .header("Accept", ACCEPT).tag(Scope.class, Scope.pull(repo.registry(), repo.repository())).build();
    String what = "registry " + repo.registry() + ": GET manifest " + repo.repository() + ":" + reference;
    return retrying(what, () -> {
      try (Response r = execute(repo.registry(), rq, what)) {
        if (r.code() == 404) {
          HttpErrors.decode(r, what);
          throw new ManifestUnknownException(repo + (ref.digest().isPresent() ? "@" : ":")
              + reference, "registry " + repo.registry());
        }
        if (r.code() != 200) {
          throw HttpErrors.decode(r, what);
        }
        byte[] bytes;
        try (InputStream in = r.body().byteStream()) {
          bytes = in.readNBytes(RawManifest.MAX_BYTES + 1);
        }
        String contentType = r.header("Content-Type", "");
        RawManifest raw = RawManifest.from(bytes, contentType, "manifest " + repo + ":" + reference);
        Optional<Digest> expected = ref.digest().or(() -> Optional.ofNullable(
            r.header("Docker-Content-Digest")).filter(Digest::isValid).map(Digest::parse));
        if (expected.isPresent()) {
          Digest actual = dev.kiln.oci.Digests.of(expected.get().algorithm(), bytes);
          if (!actual.equals(expected.get())) {
            throw new DigestMismatchException("registry " + repo.registry() + ": manifest "
                + repo + ":" + reference + " (nothing was stored; the registry or a proxy altered it)",
                expected.get(), actual);
          }
        }
        return raw;
      }
    });
  }

  /**
   * HEAD /v2/NAME/blobs/DIGEST.
   *
   * @return the Accept-Ranges value ("" when absent) if the blob exists, empty on 404
   */
  private Optional<String> headBlob(Scope scope, Repo repo, Digest digest) throws IOException {
    Request rq = new Request.Builder().url(url(repo, "blobs", digest.toString())).head()
        .tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": HEAD blob " + digest + " in " + repo.repository();
    return retrying(what, () -> {
      try (Response r = execute(repo.registry(), rq, what)) {
        return switch (r.code()) {
          case 200 -> Optional.of(r.header("Accept-Ranges", ""));
          case 404 -> Optional.<String>empty();
          default -> throw HttpErrors.decode(r, what);
        };
      }
    });
  }

  /**
   * GET /v2/NAME/blobs/DIGEST, optionally a byte range; follows redirects to blob storage.
   *
   * @param from first byte, 0 for all
   * @param to last byte inclusive, -1 for the end
   * @return the 200 or 206 response; the caller closes it
   */
  private Response getBlob(Repo repo, Digest digest, long from, long to) throws IOException {
    Request.Builder rb = new Request.Builder().url(url(repo, "blobs", digest.toString())).get()
        .tag(Scope.class, Scope.pull(repo.registry(), repo.repository()));
    if (from > 0 || to >= 0) {
      rb.header("Range", "bytes=" + from + "-" + (to >= 0 ? Long.toString(to) : ""));
    }
    String what = "registry " + repo.registry() + ": GET blob " + digest + " of " + repo.repository();
    Response r = execute(repo.registry(), rb.build(), what);
    if (r.code() == 200 || r.code() == 206) {
      return r;
    }
    try (r) {
      throw HttpErrors.decode(r, what);
    }
  }

  /** POST /v2/NAME/blobs/uploads/ (with {@code mount} and {@code from} when mounting). */
  private Upload startUpload(Scope scope, Repo repo, Optional<Mount> mount) throws IOException {
    HttpUrl.Builder ub = url(repo, "blobs", "uploads", "").newBuilder();
    mount.ifPresent(m -> ub.addQueryParameter("mount", m.digest().toString())
        .addQueryParameter("from", m.from()));
    Request rq = new Request.Builder().url(ub.build()).post(RequestBody.create(new byte[0], null))
        .tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": start upload to " + repo.repository();
    try (Response r = execute(repo.registry(), rq, what)) {
      return switch (r.code()) {
        case 201 -> new Upload(true, resolveLocation(repo, r, what));
        case 202 -> new Upload(false, resolveLocation(repo, r, what));
        default -> throw HttpErrors.decode(r, what);
      };
    }
  }

  /** PATCH LOCATION with one chunk; returns the next location. */
  private HttpUrl patchUpload(Scope scope, Repo repo, HttpUrl location, Blob blob, long offset,
      long len, TransferListener listener) throws IOException {
    Descriptor d = blob.descriptor();
    Request rq = new Request.Builder().url(location)
        .patch(new BlobBody(blob, offset, len, listener))
        .header("Content-Range", offset + "-" + (offset + len - 1))
        .tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": upload chunk of blob " + d.digest() + " to "
        + repo.repository() + " at byte " + offset;
    try (Response r = execute(repo.registry(), rq, what)) {
      if (r.code() != 202) {
        throw HttpErrors.decode(r, what);
      }
      return resolveLocation(repo, r, what);
    }
  }

  /** GET LOCATION: where an interrupted chunked upload stands. */
  private UploadStatus uploadStatus(Scope scope, Repo repo, HttpUrl location) throws IOException {
    Request rq = new Request.Builder().url(location).get().tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": upload status in " + repo.repository();
    return retrying(what, () -> {
      try (Response r = execute(repo.registry(), rq, what)) {
        if (r.code() != 204 && r.code() != 200) {
          throw HttpErrors.decode(r, what);
        }
        String range = r.header("Range", "");
        long next = 0;
        int dash = range.indexOf('-');
        // Distribution answers "0-0" for an empty upload too; chunks are never one byte long.
        if (dash > 0 && !range.strip().equals("0-0")) {
          next = Long.parseLong(range.substring(dash + 1).strip()) + 1;
        }
        return new UploadStatus(r.header("Location") == null ? location
            : resolveLocation(repo, r, what), next);
      }
    });
  }

  /** PUT LOCATION?digest=… with the whole blob (monolithic) or nothing (after chunks). */
  private void finishUpload(Scope scope, Repo repo, HttpUrl location, Descriptor d,
      Optional<Blob> whole, TransferListener listener) throws IOException {
    HttpUrl url = location.newBuilder().addQueryParameter("digest", d.digest().toString()).build();
    RequestBody body = whole.<RequestBody>map(b -> new BlobBody(b, 0, d.size(), listener))
        .orElse(RequestBody.create(new byte[0], OCTET));
    Request rq = new Request.Builder().url(url).put(body).tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": upload blob " + d.digest() + " to " + repo.repository();
    try (Response r = execute(repo.registry(), rq, what)) {
      if (r.code() != 201) {
        throw HttpErrors.decode(r, what);
      }
    }
  }

  /** PUT /v2/NAME/manifests/REFERENCE; returns the digest the registry stored it under. */
  private Digest putManifest(Repo repo, Scope scope, String reference, RawManifest raw)
      throws IOException {
    Request rq = new Request.Builder().url(url(repo, "manifests", reference))
        .put(RequestBody.create(raw.bytes(), MediaType.get(raw.mediaType())))
        .tag(Scope.class, scope).build();
    String what = "registry " + repo.registry() + ": PUT manifest " + repo.repository() + ":" + reference;
    return retrying(what, () -> {
      try (Response r = execute(repo.registry(), rq, what)) {
        if (r.code() != 201 && r.code() != 200) {
          throw HttpErrors.decode(r, what);
        }
        String header = r.header("Docker-Content-Digest");
        if (header != null && Digest.isValid(header) && !Digest.parse(header).equals(raw.digest())) {
          throw new DigestMismatchException(what + " (the registry stored other bytes)",
              raw.digest(), Digest.parse(header));
        }
        return raw.digest();
      }
    });
  }

  // ------------------------------------------------------------------ transport helpers

  /** Executes a request, turning transport failures into one-line errors naming the registry. */
  private Response execute(String registry, Request rq, String what) throws IOException {
    try {
      return transport.forUrl(rq.url()).newCall(rq).execute();
    } catch (OciException e) {
      throw e;
    } catch (IOException e) {
      throw HttpErrors.transport(e, registry, what.startsWith("registry ")
          ? what.substring(what.indexOf(": ") + 2) : what);
    }
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  /** Repeats an idempotent call on temporary failures, with backoff and Retry-After. */
  private static <T> T retrying(String what, IoCall<T> call) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.call();
      } catch (IOException e) {
        if (attempt >= MAX_ATTEMPTS || !HttpErrors.temporary(e)) {
          throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1}; retrying", what, e.getMessage());
        backoff(attempt, e);
      }
    }
  }

  private static void backoff(int attempt, IOException cause) throws InterruptedIOException {
    long exp = FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 8);
    long wait = HttpErrors.retryAfter(cause).map(Duration::toMillis)
        .orElse(Math.min(exp, MAX_BACKOFF.toMillis()));
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry: " + Redact.url(cause.getMessage()));
    }
  }

  /** A request body streaming a range of a blob; reopened for each send (auth retries). */
  private static final class BlobBody extends RequestBody {
    private final Blob blob;
    private final long offset;
    private final long length;
    private final TransferListener listener;

    BlobBody(Blob blob, long offset, long length, TransferListener listener) {
      this.blob = blob;
      this.offset = offset;
      this.length = length;
      this.listener = listener;
    }

    @Override
    public MediaType contentType() {
      return OCTET;
    }

    @Override
    public long contentLength() {
      return length;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      Descriptor d = blob.descriptor();
      byte[] buf = buffer(length);
      try (InputStream in = blob.open()) {
        in.skipNBytes(offset);
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new SizeMismatchException("local blob " + d.digest(), d.size(), offset + length - left,
                false);
          }
          // Okio sends and recycles its 8 KiB segments per complete write, and its pool keeps
          // 64 KiB per bucket: one 256 KiB write took fresh segments (perf: SegmentPool.take,
          // memset and young GCs were a tenth of a 500 MiB push's CPU), 32 KiB ones reuse them.
          for (int off = 0; off < n; off += SINK_WRITE) {
            sink.write(buf, off, Math.min(SINK_WRITE, n - off));
          }
          left -= n;
          listener.progress(d, offset + length - left);
        }
      }
    }
  }
}
