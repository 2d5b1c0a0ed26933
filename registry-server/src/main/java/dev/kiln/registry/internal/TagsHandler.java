package dev.kiln.registry.internal;

import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v2/<name>/tags/list?n=&last=}: the tags in lexical order, paginated with a {@code
 * Link} header.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-tags">
 *     distribution-spec v1.1.0, listing tags</a>
 */
final class TagsHandler implements OciRouter.ResourceHandler {
  private final RegistryContext context;

  TagsHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    OciRouter.requireRead(exchange);
    String repository = route.repository();
    if (!context.store().exists(repository)) {
      throw new OciException(ErrorCode.NAME_UNKNOWN, ErrorCode.NAME_UNKNOWN.status(),
          "repository " + repository + " is not known to this registry",
          new Route.NameDetail(repository), null);
    }
    List<String> page = Pages.page(exchange, context.store().tags(repository), "/v2/" + repository
        + "/tags/list");
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("name", repository);
    body.put("tags", page);
    Http.json(exchange, 200, "application/json", body);
  }

  /** Pagination shared by tags and the catalog. */
  static final class Pages {
    private Pages() {}

    static List<String> page(HttpServerExchange exchange, List<String> all, String path)
        throws OciException {
      Optional<String> nText = Http.query(exchange, "n");
      Optional<String> last = Http.query(exchange, "last");
      int n = Integer.MAX_VALUE;
      if (nText.isPresent()) {
        try {
          n = Integer.parseInt(nText.get());
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0) {
          throw new OciException(ErrorCode.PAGINATION_NUMBER_INVALID, "n='" + nText.get()
              + "' is not a non-negative integer");
        }
      }
      int from = 0;
      if (last.isPresent()) {
        from = all.size();
        for (int i = 0; i < all.size(); i++) {
          if (all.get(i).compareTo(last.get()) > 0) {
            from = i;
            break;
          }
        }
      }
      int to = (int) Math.min(all.size(), (long) from + n);
      List<String> page = all.subList(from, to);
      if (to < all.size() && !page.isEmpty()) {
        exchange.getResponseHeaders().put(new io.undertow.util.HttpString("Link"),
            Http.nextLink(path + "?n=" + n + "&last=", page.getLast()));
      }
      return page;
    }
  }
}
