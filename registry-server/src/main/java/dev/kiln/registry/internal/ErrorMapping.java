package dev.kiln.registry.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciError;
import dev.kiln.oci.UnauthorizedException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * The only place that writes error bodies: an {@link OciError} becomes its spec code, message,
 * detail and status; anything else becomes 500 UNKNOWN naming the request id, logged once, with no
 * stack trace sent. Handlers that run on another thread (after {@link Dispatch}) hand their failures
 * here through the exchange attachment {@link #KEY}. Every response gets the API version header.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes">
 *     distribution-spec v1.1.0, error codes</a>
 */
public final class ErrorMapping implements HttpHandler {
  /** The mapping of the exchange, for handlers on other threads. */
  public static final AttachmentKey<ErrorMapping> KEY = AttachmentKey.create(ErrorMapping.class);

  private static final HttpString API_VERSION = new HttpString("Docker-Distribution-API-Version");
  private static final System.Logger LOG = System.getLogger(ErrorMapping.class.getName());

  private final HttpHandler next;

  /**
   * Wraps a handler.
   *
   * @param next the handler
   */
  public ErrorMapping(HttpHandler next) {
    this.next = next;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    exchange.putAttachment(KEY, this);
    exchange.getResponseHeaders().put(API_VERSION, "registry/2.0");
    try {
      next.handleRequest(exchange);
    } catch (Throwable t) {
      write(exchange, t);
    }
  }

  /**
   * Ends an exchange with the error response for a failure.
   *
   * @param exchange the exchange
   * @param failure what went wrong
   */
  public void write(HttpServerExchange exchange, Throwable failure) {
    Throwable t = failure instanceof UncheckedIOException u ? u.getCause() : failure;
    String id = exchange.getAttachment(Http.REQUEST_ID);
    if (exchange.isResponseStarted()) {
      // Too late for a status: the client sees a cut connection, which is what it is.
      LOG.log(System.Logger.Level.DEBUG, "request " + id + " failed after the response started", t);
      exchange.endExchange();
      return;
    }
    ErrorCode code;
    int status;
    String message;
    Object detail = null;
    if (t instanceof OciError e) {
      code = e.code();
      status = e.status();
      message = e.getMessage();
      detail = e.detail().orElse(null);
      if (t instanceof UnauthorizedException u && u.challenge() != null) {
        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, u.challenge());
      }
    } else if (t instanceof ClosedChannelException
        || (t instanceof IOException && exchange.getConnection() != null
            && !exchange.getConnection().isOpen())) {
      exchange.endExchange();
      return;
    } else {
      code = ErrorCode.UNKNOWN;
      status = 500;
      message = "internal error; request id " + id;
      LOG.log(System.Logger.Level.ERROR, "request " + id + " " + exchange.getRequestMethod() + " "
          + exchange.getRequestPath() + " failed", t);
    }
    ObjectNode body = Http.JSON.createObjectNode();
    ArrayNode errors = body.putArray("errors");
    ObjectNode error = errors.addObject().put("code", code.code()).put("message", message);
    if (detail != null) {
      error.set("detail", Http.JSON.valueToTree(detail));
    }
    byte[] bytes;
    try {
      bytes = Http.JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      bytes = ("{\"errors\":[{\"code\":\"" + code.code() + "\"}]}").getBytes(
          java.nio.charset.StandardCharsets.UTF_8);
    }
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
    exchange.getResponseHeaders().remove(Http.CONTENT_DIGEST);
    exchange.setResponseContentLength(bytes.length);
    if (exchange.getRequestMethod().equalToString("HEAD")) {
      exchange.endExchange();
    } else if (exchange.isBlocking()) {
      try {
        exchange.getOutputStream().write(bytes);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "request " + id + ": error body not sent", e);
      }
      exchange.endExchange();
    } else {
      exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }
  }
}
