package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Small helpers the handlers share for reading requests and writing responses. */
public final class Http {
  private Http() {}

  /** The JSON mapper of response bodies. */
  public static final JsonMapper JSON = new JsonMapper();

  /** The route the request was parsed into. */
  public static final AttachmentKey<Route> ROUTE = AttachmentKey.create(Route.class);

  /** Request body bytes read so far, for metrics. */
  public static final AttachmentKey<AtomicLong> BYTES_IN = AttachmentKey.create(AtomicLong.class);

  /** The authenticated user, when there is one. */
  public static final AttachmentKey<String> USER = AttachmentKey.create(String.class);

  /** The request id in logs and 500 errors. */
  public static final AttachmentKey<String> REQUEST_ID = AttachmentKey.create(String.class);

  /** {@code Docker-Content-Digest}. */
  public static final HttpString CONTENT_DIGEST = new HttpString("Docker-Content-Digest");

  /** {@code Docker-Upload-UUID}. */
  public static final HttpString UPLOAD_UUID = new HttpString("Docker-Upload-UUID");

  /** {@code OCI-Chunk-Min-Length}. */
  public static final HttpString CHUNK_MIN = new HttpString("OCI-Chunk-Min-Length");

  /** {@code OCI-Chunk-Max-Length}: kiln's, not the spec's (see spec/docs/registry-api.md). */
  public static final HttpString CHUNK_MAX = new HttpString("OCI-Chunk-Max-Length");

  /** {@code Range}. */
  public static final HttpString RANGE = new HttpString("Range");

  /**
   * A query parameter.
   *
   * @param exchange the request
   * @param name the parameter
   * @return its first value, or empty
   */
  public static Optional<String> query(HttpServerExchange exchange, String name) {
    Deque<String> values = exchange.getQueryParameters().get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
  }

  /**
   * A request header.
   *
   * @param exchange the request
   * @param name the header
   * @return its first value, or empty
   */
  public static Optional<String> header(HttpServerExchange exchange, String name) {
    return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  /**
   * Parses a digest from the path or query.
   *
   * @param text the text
   * @return the digest
   * @throws OciException DIGEST_INVALID
   */
  public static Digest digest(String text) throws OciException {
    try {
      return Digest.parse(text);
    } catch (OciFormatException e) {
      throw new OciException(ErrorCode.DIGEST_INVALID, e.getMessage());
    }
  }

  /**
   * The request body as a blocking stream that counts bytes for metrics; the exchange closes it.
   *
   * @param exchange the request, already blocking
   * @return the stream
   */
  public static InputStream body(HttpServerExchange exchange) {
    AtomicLong counter = exchange.getAttachment(BYTES_IN);
    return new FilterInputStream(exchange.getInputStream()) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0 && counter != null) {
          counter.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0 && counter != null) {
          counter.addAndGet(n);
        }
        return n;
      }

      @Override
      public void close() {
        // the exchange owns the request stream
      }
    };
  }

  /**
   * Reads a small body whole through a cap.
   *
   * @param exchange the request
   * @param cap the most bytes accepted
   * @param tooLarge the error when the body is larger
   * @return the bytes
   */
  public static byte[] smallBody(HttpServerExchange exchange, int cap, OciException tooLarge)
      throws IOException {
    long declared = exchange.getRequestContentLength();
    if (declared > cap) {
      throw tooLarge;
    }
    byte[] bytes = body(exchange).readNBytes(cap + 1);
    if (bytes.length > cap) {
      throw tooLarge;
    }
    return bytes;
  }

  /**
   * Sends a JSON body.
   *
   * @param exchange the response
   * @param status the status
   * @param contentType the media type
   * @param body the value Jackson serialises
   */
  public static void json(HttpServerExchange exchange, int status, String contentType, Object body)
      throws IOException {
    send(exchange, status, contentType, JSON.writeValueAsBytes(body));
  }

  /**
   * Sends bytes (none on HEAD, with the Content-Length of the body).
   *
   * @param exchange the response
   * @param status the status
   * @param contentType the media type
   * @param bytes the body
   */
  public static void send(HttpServerExchange exchange, int status, String contentType, byte[] bytes)
      throws IOException {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_TYPE, contentType);
    exchange.setResponseContentLength(bytes.length);
    if (!exchange.getRequestMethod().equalToString("HEAD")) {
      OutputStream out = exchange.getOutputStream();
      out.write(bytes);
    }
    exchange.endExchange();
  }

  /**
   * Ends with an empty body.
   *
   * @param exchange the response
   * @param status the status
   */
  public static void empty(HttpServerExchange exchange, int status) {
    exchange.setStatusCode(status);
    exchange.setResponseContentLength(0);
    exchange.endExchange();
  }

  /**
   * Text for a {@code Link} header's next page.
   *
   * @param path the path with query up to and including {@code last=}
   * @param last the last entry of this page
   * @return the header value
   */
  public static String nextLink(String path, String last) {
    return "<" + path + java.net.URLEncoder.encode(last, UTF_8) + ">; rel=\"next\"";
  }
}
