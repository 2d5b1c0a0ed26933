package dev.kiln.registry;

import dev.kiln.registry.internal.AccessLog;
import dev.kiln.registry.internal.AccessPolicy;
import dev.kiln.registry.internal.Auth;
import dev.kiln.registry.internal.Dispatch;
import dev.kiln.registry.internal.ErrorMapping;
import dev.kiln.registry.internal.FileStorageDriver;
import dev.kiln.registry.internal.Metrics;
import dev.kiln.registry.internal.OciRouter;
import dev.kiln.registry.internal.Passwords;
import dev.kiln.registry.internal.RegistryContext;
import dev.kiln.registry.internal.RegistryStore;
import dev.kiln.registry.internal.Tls;
import dev.kiln.registry.internal.TokenService;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An OCI Distribution v1.1 registry running on Undertow: start one with {@link
 * #start(RegistryConfig)} (port 0 picks a free port), use {@link #url()}, and {@link #close()} it
 * to shut down gracefully (requests in flight finish, up to the config's shutdown timeout). The
 * handler chain is AccessLog → ErrorMapping → Auth → Dispatch (virtual threads) → OciRouter →
 * the resource handlers. Thread-safe.
 */
public final class RegistryServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RegistryServer.class.getName());

  private final RegistryConfig config;
  private final Undertow undertow;
  private final GracefulShutdownHandler shutdown;
  private final ExecutorService requests;
  private final ScheduledExecutorService janitor;
  private final URI url;
  private final Optional<Path> caCertificate;

  private RegistryServer(RegistryConfig config, Undertow undertow, GracefulShutdownHandler shutdown,
      ExecutorService requests, ScheduledExecutorService janitor, Optional<Path> caCertificate) {
    this.config = config;
    this.undertow = undertow;
    this.shutdown = shutdown;
    this.requests = requests;
    this.janitor = janitor;
    this.caCertificate = caCertificate;
    InetSocketAddress bound = (InetSocketAddress) undertow.getListenerInfo().getFirst().getAddress();
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    this.url = URI.create((config.tls() ? "https" : "http") + "://" + host + ":" + bound.getPort());
  }

  /**
   * Starts a registry.
   *
   * @param config the settings
   * @return the running server
   * @throws IOException when storage, keys, certificates or the port cannot be set up; the message
   *     names the file or address
   */
  public static RegistryServer start(RegistryConfig config) throws IOException {
    FileStorageDriver driver = new FileStorageDriver(config.root());
    RegistryStore store = new RegistryStore(driver, Clock.systemUTC());
    Metrics metrics = new Metrics(driver);
    Optional<Passwords> passwords = config.htpasswd().isPresent()
        ? Optional.of(Passwords.read(config.htpasswd().get())) : Optional.empty();
    AccessPolicy policy = config.accessFile().isPresent()
        ? AccessPolicy.read(config.accessFile().get(), config.anonymousPull())
        : AccessPolicy.authenticatedAll(config.anonymousPull());
    Optional<TokenService> tokens = Optional.empty();
    if (config.auth() == RegistryConfig.Auth.TOKEN) {
      Path keyFile = config.tokenKey().orElse(config.root().resolve("token").resolve("key.pem"));
      tokens = Optional.of(new TokenService(TokenService.loadOrCreate(keyFile, config.tokenRsa()),
          config.tokenIssuer(), config.tokenService(), config.tokenTtl(), Clock.systemUTC()));
    }
    RegistryContext context = new RegistryContext(config, store, metrics, passwords, policy, tokens);
    ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    GracefulShutdownHandler shutdown = new GracefulShutdownHandler(
        new AccessLog(new ErrorMapping(new Auth(new Dispatch(new OciRouter(context), requests),
            context)), metrics, config.accessLog()));
    Undertow.Builder builder = Undertow.builder()
        .setIoThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
        .setWorkerThreads(2)
        .setByteBufferPool(bufferPool())
        .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, true)
        .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, false)
        // Blobs have no size limit (the handlers cap what they read whole); 0 is "unlimited",
        // and must be explicit: requests offering an h2c upgrade otherwise get a 2 MiB cap.
        .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 0L)
        .setHandler(shutdown);
    Optional<Path> ca = Optional.empty();
    if (config.tls()) {
      Tls.Material tls = Tls.load(config.tlsCert(), config.tlsKey(), config.root().resolve("tls"),
          config.tlsHosts());
      ca = tls.caCertificate();
      builder.addHttpsListener(config.port(), config.host(), tls.context());
    } else {
      builder.addHttpListener(config.port(), config.host());
    }
    Undertow undertow = builder.build();
    try {
      undertow.start();
    } catch (RuntimeException e) {
      requests.close();
      throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kiln-registry-upload-expiry");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1, Math.min(config.uploadTtl().toSeconds() / 4, 600));
    // Read-only leaves storage exactly as it is: not even expired uploads are deleted
    // (Distribution stops its upload purger in read-only mode too).
    if (!config.readOnly()) {
      janitor.scheduleWithFixedDelay(() -> {
        try {
          int n = store.expireUploads(config.uploadTtl());
          if (n > 0) {
            LOG.log(System.Logger.Level.INFO, "deleted " + n + " expired uploads");
          }
        } catch (IOException | RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "upload expiry failed: " + e.getMessage());
        }
      }, every, every, TimeUnit.SECONDS);
    }
    return new RegistryServer(config, undertow, shutdown, requests, janitor, ca);
  }

  // Undertow's default pool keeps a per-thread cache of buffers, released only when a GC finalizes
  // the thread's cache. With a virtual thread per request every request starts a new cache, so
  // direct memory grew by about 64 KiB per request between GCs: 64 MiB after ~1,000 requests at
  // 256 connections, where -XX:MaxDirectMemorySize=64m failed an allocation and one request got a
  // 500. One shared queue instead, bounded so a burst's buffers are freed again afterwards.
  private static final int BUFFER_SIZE = 16 * 1024;
  private static final int POOLED_BUFFERS = 512; // 8 MiB kept for reuse at most

  private static DefaultByteBufferPool bufferPool() {
    return new DefaultByteBufferPool(true, BUFFER_SIZE, POOLED_BUFFERS, 0);
  }

  /**
   * The base URL clients use, e.g. {@code http://127.0.0.1:5000}.
   *
   * @return the URL
   */
  public URI url() {
    return url;
  }

  /**
   * The port the server listens on.
   *
   * @return the port
   */
  public int port() {
    return url.getPort();
  }

  /**
   * {@code host:port} as image references name this registry.
   *
   * @return the authority
   */
  public String authority() {
    return url.getAuthority();
  }

  /**
   * The generated CA certificate clients should trust, when TLS uses a generated certificate.
   *
   * @return the PEM file
   */
  public Optional<Path> caCertificate() {
    return caCertificate;
  }

  /**
   * The settings the server runs with.
   *
   * @return the config
   */
  public RegistryConfig config() {
    return config;
  }

  /**
   * Stops taking requests, waits for those in flight (up to the shutdown timeout), then stops.
   */
  @Override
  public void close() {
    shutdown.shutdown();
    try {
      shutdown.awaitShutdown(config.shutdownTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    undertow.stop();
    janitor.shutdownNow();
    requests.shutdownNow();
  }

  /**
   * Waits until the server is closed from another thread or the timeout passes.
   *
   * @param timeout the longest wait
   * @return whether it closed
   * @throws InterruptedException when interrupted
   */
  public boolean awaitClose(Duration timeout) throws InterruptedException {
    return requests.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
