package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.undertow.server.HttpServerExchange;

/** {@code /metrics} (Prometheus text) and {@code /health} (storage reachable). */
final class OperationsHandler implements OciRouter.ResourceHandler {
  private final RegistryContext context;

  OperationsHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    OciRouter.requireRead(exchange);
    if (route.kind() == Route.Kind.METRICS) {
      Http.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
          context.metrics().render().getBytes(UTF_8));
      return;
    }
    context.store().driver().list(StorageLayout.ROOT);
    Http.send(exchange, 200, "application/json", ("{\"status\":\"ok\",\"readOnly\":"
        + context.config().readOnly() + "}").getBytes(UTF_8));
  }
}
