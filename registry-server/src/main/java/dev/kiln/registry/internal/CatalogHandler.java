package dev.kiln.registry.internal;

import io.undertow.server.HttpServerExchange;
import java.util.Map;

/**
 * {@code GET /v2/_catalog?n=&last=}: the repositories in lexical order, paginated as tags are.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/api/#catalog">Distribution's
 *     catalog API</a>
 */
final class CatalogHandler implements OciRouter.ResourceHandler {
  private final RegistryContext context;

  CatalogHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    OciRouter.requireRead(exchange);
    var page = TagsHandler.Pages.page(exchange, context.store().repositories(), "/v2/_catalog");
    Http.json(exchange, 200, "application/json", Map.of("repositories", page));
  }
}
