package dev.kiln.registry.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outermost handler: gives each request an id, and when the exchange completes records it in
 * {@link Metrics} and, when enabled, logs it as one JSON line on the {@code dev.kiln.registry.access}
 * logger (time, id, remote, method, path, route, status, bytes, milliseconds, user). Query strings
 * are never logged: they may carry tokens.
 */
public final class AccessLog implements HttpHandler {
  private static final System.Logger LOG = System.getLogger("dev.kiln.registry.access");
  private final HttpHandler next;
  private final Metrics metrics;
  private final boolean log;

  /**
   * Wraps a handler.
   *
   * @param next the handler
   * @param metrics where requests are counted
   * @param log whether to log each request
   */
  public AccessLog(HttpHandler next, Metrics metrics, boolean log) {
    this.next = next;
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    long start = System.nanoTime();
    AtomicLong in = new AtomicLong();
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    exchange.putAttachment(Http.BYTES_IN, in);
    exchange.putAttachment(Http.REQUEST_ID, id);
    exchange.addExchangeCompleteListener((ex, nextListener) -> {
      try {
        Route route = ex.getAttachment(Http.ROUTE);
        String label = route == null ? "none" : route.kind().label();
        long out = ex.getResponseBytesSent();
        metrics.request(label, ex.getRequestMethod().toString(), ex.getStatusCode(), in.get(), out);
        if (log && LOG.isLoggable(System.Logger.Level.INFO)) {
          ObjectNode line = Http.JSON.createObjectNode()
              .put("time", Instant.now().toString()).put("id", id)
              .put("remote", String.valueOf(ex.getSourceAddress()))
              .put("method", ex.getRequestMethod().toString()).put("path", ex.getRequestPath())
              .put("route", label).put("status", ex.getStatusCode()).put("in", in.get())
              .put("out", out).put("ms", (System.nanoTime() - start) / 1_000_000.0)
              .put("user", ex.getAttachment(Http.USER));
          LOG.log(System.Logger.Level.INFO, line.toString());
        }
      } finally {
        nextListener.proceed();
      }
    });
    next.handleRequest(exchange);
  }
}
