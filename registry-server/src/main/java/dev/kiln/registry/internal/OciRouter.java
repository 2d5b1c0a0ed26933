package dev.kiln.registry.internal;

import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Sends each request to the handler of its resource, by the {@link Route} that {@link Auth} parsed
 * from the right of the path. Refuses writes in read-only mode.
 */
public final class OciRouter implements HttpHandler {
  /** One resource's handler. */
  @FunctionalInterface
  public interface ResourceHandler {
    /**
     * Handles a request for the resource; runs on a virtual thread in blocking mode.
     *
     * @param exchange the exchange
     * @param route its route
     * @throws Exception any failure, mapped by {@link ErrorMapping}
     */
    void handle(HttpServerExchange exchange, Route route) throws Exception;
  }

  private final RegistryContext context;
  private final ResourceHandler base;
  private final ResourceHandler blobs;
  private final ResourceHandler uploads;
  private final ResourceHandler manifests;
  private final ResourceHandler tags;
  private final ResourceHandler referrers;
  private final ResourceHandler catalog;
  private final ResourceHandler token;
  private final ResourceHandler operations;

  /**
   * Creates every handler over one registry.
   *
   * @param context the registry
   */
  public OciRouter(RegistryContext context) {
    this.context = context;
    this.base = new BaseHandler();
    this.blobs = new BlobHandler(context);
    this.uploads = new UploadHandler(context);
    this.manifests = new ManifestHandler(context);
    this.tags = new TagsHandler(context);
    this.referrers = new ReferrersHandler(context);
    this.catalog = new CatalogHandler(context);
    this.token = new TokenHandler(context);
    this.operations = new OperationsHandler(context);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    Route route = exchange.getAttachment(Http.ROUTE);
    String method = exchange.getRequestMethod().toString();
    boolean write = !(method.equals("GET") || method.equals("HEAD"));
    if (write && context.config().readOnly() && route.kind() != Route.Kind.TOKEN) {
      throw new OciException(ErrorCode.UNSUPPORTED, "registry is in read-only mode");
    }
    ResourceHandler h = switch (route.kind()) {
      case BASE -> base;
      case BLOB -> blobs;
      case UPLOADS, UPLOAD -> uploads;
      case MANIFEST -> manifests;
      case TAGS -> tags;
      case REFERRERS -> referrers;
      case CATALOG -> catalog;
      case TOKEN -> token;
      case METRICS, HEALTH -> operations;
    };
    h.handle(exchange, route);
  }

  /**
   * The error for a method a resource does not have.
   *
   * @param exchange the request
   * @return UNSUPPORTED, 405
   */
  static OciException unsupported(HttpServerExchange exchange) {
    return new OciException(ErrorCode.UNSUPPORTED, exchange.getRequestMethod() + " is not supported on "
        + exchange.getRequestPath());
  }

  /**
   * Refuses every method but GET and HEAD, for the read-only resources.
   *
   * @param exchange the request
   * @throws OciException UNSUPPORTED, 405, for another method
   */
  static void requireRead(HttpServerExchange exchange) throws OciException {
    String m = exchange.getRequestMethod().toString();
    if (!m.equals("GET") && !m.equals("HEAD")) {
      throw unsupported(exchange);
    }
  }
}
