package dev.kiln.registry.internal;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.Executor;

/**
 * Moves a request off Undertow's I/O thread onto a virtual thread and into blocking mode, so the
 * handlers below can stream with plain {@code InputStream}s. Failures there go to the exchange's
 * {@link ErrorMapping}, since the I/O thread's stack has long returned.
 */
public final class Dispatch implements HttpHandler {
  private final HttpHandler next;
  private final Executor executor;

  /**
   * Wraps a handler.
   *
   * @param next the handler to run on a virtual thread
   * @param executor the virtual-thread executor
   */
  public Dispatch(HttpHandler next, Executor executor) {
    this.next = next;
    this.executor = executor;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    if (exchange.isInIoThread()) {
      exchange.dispatch(executor, this::run);
    } else {
      run(exchange);
    }
  }

  private void run(HttpServerExchange exchange) {
    try {
      if (!exchange.isBlocking()) {
        exchange.startBlocking();
      }
      next.handleRequest(exchange);
    } catch (Throwable t) {
      exchange.getAttachment(ErrorMapping.KEY).write(exchange, t);
    }
  }
}
