package dev.kiln.registry.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.registry.RegistryConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code /v2/<name>/blobs/uploads/[<id>]}: POST (start, monolithic with {@code digest}, or mount
 * with {@code mount} and optional {@code from}), PATCH (chunks, in order, with or without {@code
 * Content-Range}), PUT (finish with {@code digest}), GET (status) and DELETE (cancel). Upload state
 * lives in storage, so any process on it can continue an upload.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-blobs">
 *     distribution-spec v1.1.0, pushing blobs</a>
 */
final class UploadHandler implements OciRouter.ResourceHandler {
  private final RegistryContext context;

  UploadHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    String method = exchange.getRequestMethod().toString();
    if (route.kind() == Route.Kind.UPLOADS) {
      if (!method.equals("POST")) {
        throw OciRouter.unsupported(exchange);
      }
      start(exchange, route.repository());
      return;
    }
    String repository = route.repository();
    String id = route.reference();
    RegistryStore store = context.store();
    switch (method) {
      case "GET" -> {
        long size = store.uploadSize(repository, id);
        progress(exchange, repository, id, size, 204);
      }
      case "PATCH" -> {
        long[] range = contentRange(exchange);
        long size = store.append(repository, id, Http.body(exchange), range[0], range[1]);
        progress(exchange, repository, id, size, 202);
      }
      case "PUT" -> {
        Digest digest = Http.digest(Http.query(exchange, "digest").orElseThrow(() ->
            new OciException(ErrorCode.DIGEST_INVALID, "PUT of upload " + id
                + " needs a ?digest= parameter")));
        long[] range = contentRange(exchange);
        if (exchange.getRequestContentLength() != 0) {
          store.append(repository, id, Http.body(exchange), range[0], range[1]);
        }
        finish(exchange, repository, id, digest);
      }
      case "DELETE" -> {
        store.cancel(repository, id);
        Http.empty(exchange, 204);
      }
      default -> throw OciRouter.unsupported(exchange);
    }
  }

  private void start(HttpServerExchange exchange, String repository) throws Exception {
    RegistryStore store = context.store();
    Optional<String> mount = Http.query(exchange, "mount");
    if (mount.isPresent()) {
      Digest digest = Http.digest(mount.get());
      Optional<String> from = Http.query(exchange, "from");
      Auth.Access access = exchange.getAttachment(Auth.ACCESS);
      // Without "from", any blob in the CAS may be linked (the spec's automatic content
      // discovery), but only on an open registry: with auth, a digest alone must not give a
      // pusher a blob of a repository they cannot pull.
      boolean readable = from.isEmpty() ? context.config().auth() == RegistryConfig.Auth.NONE
          : isRepository(from.get()) && access != null && access.allows(from.get(), "pull");
      if (readable && store.mount(repository, digest, from)) {
        created(exchange, repository, digest);
        return;
      }
    }
    Optional<String> digestParam = Http.query(exchange, "digest");
    String id = store.startUpload(repository);
    if (digestParam.isPresent()) {
      Digest digest = Http.digest(digestParam.get());
      boolean done = false;
      try {
        store.append(repository, id, Http.body(exchange), -1, exchange.getRequestContentLength());
        finish(exchange, repository, id, digest);
        done = true;
      } finally {
        if (!done) {
          cancelQuietly(repository, id);
        }
      }
      return;
    }
    progress(exchange, repository, id, 0, 202);
  }

  private static boolean isRepository(String name) {
    try {
      dev.kiln.oci.Reference.checkRepository(name);
      return true;
    } catch (dev.kiln.oci.OciFormatException e) {
      return false;
    }
  }

  private void cancelQuietly(String repository, String id) {
    try {
      context.store().cancel(repository, id);
    } catch (java.io.IOException e) {
      // already gone (a digest mismatch cancels it itself)
    }
  }

  private void finish(HttpServerExchange exchange, String repository, String id, Digest digest)
      throws Exception {
    Instant started = context.store().uploadStarted(repository, id);
    context.store().commit(repository, id, digest);
    context.metrics().upload(Duration.between(started, Instant.now()));
    created(exchange, repository, digest);
  }

  private static void created(HttpServerExchange exchange, String repository, Digest digest) {
    exchange.getResponseHeaders().put(Headers.LOCATION, "/v2/" + repository + "/blobs/" + digest);
    exchange.getResponseHeaders().put(Http.CONTENT_DIGEST, digest.toString());
    Http.empty(exchange, 201);
  }

  private void progress(HttpServerExchange exchange, String repository, String id, long size,
      int status) {
    var h = exchange.getResponseHeaders();
    h.put(Headers.LOCATION, "/v2/" + repository + "/blobs/uploads/" + id);
    h.put(Http.RANGE, "0-" + Math.max(0, size - 1));
    h.put(Http.UPLOAD_UUID, id);
    h.put(Http.CHUNK_MIN, context.config().chunkMinLength());
    h.put(Http.CHUNK_MAX, context.config().chunkMaxLength());
    Http.empty(exchange, status);
  }

  // {start, length} from Content-Range "a-b" (the spec's form; "bytes a-b" too), else {-1, length}.
  private static long[] contentRange(HttpServerExchange exchange) throws OciException {
    long length = exchange.getRequestContentLength();
    Optional<String> header = Http.header(exchange, "Content-Range");
    if (header.isEmpty()) {
      return new long[] {-1, length};
    }
    String h = header.get().strip();
    if (h.startsWith("bytes")) {
      h = h.substring(5).replaceFirst("^[ =]", "");
    }
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    int dash = h.indexOf('-');
    try {
      long start = Long.parseLong(h.substring(0, dash).strip());
      long end = Long.parseLong(h.substring(dash + 1).strip());
      if (start < 0 || end < start - 1) {
        throw new NumberFormatException();
      }
      long chunk = end - start + 1;
      if (length >= 0 && length != chunk) {
        throw new OciException(ErrorCode.SIZE_INVALID, "Content-Range '" + header.get() + "' is "
            + chunk + " bytes but Content-Length is " + length);
      }
      return new long[] {start, chunk};
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new OciException(ErrorCode.RANGE_INVALID, 416, "Content-Range '" + header.get()
          + "' is not 'start-end'", null, null);
    }
  }
}
