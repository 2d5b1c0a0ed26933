package dev.kiln.registry.internal;

import io.undertow.server.HttpServerExchange;

/** {@code GET /v2/}: the API version check; reaching it means the caller is authenticated. */
final class BaseHandler implements OciRouter.ResourceHandler {
  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    OciRouter.requireRead(exchange);
    Http.send(exchange, 200, "application/json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
