package dev.kiln.registry.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import io.undertow.io.IoCallback;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;

/**
 * {@code /v2/<name>/blobs/<digest>}: GET (with a single {@code Range}), HEAD and DELETE.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-blobs">
 *     distribution-spec v1.1.0, pulling blobs</a>
 */
final class BlobHandler implements OciRouter.ResourceHandler {
  private static final int BUFFER = 128 * 1024;
  private final RegistryContext context;

  BlobHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    Digest digest = Http.digest(route.reference());
    RegistryStore store = context.store();
    switch (exchange.getRequestMethod().toString()) {
      case "GET", "HEAD" -> {
        long size = store.blobSize(route.repository(), digest);
        long start = 0;
        long end = size - 1;
        int status = 200;
        var headers = exchange.getResponseHeaders();
        headers.put(Http.CONTENT_DIGEST, digest.toString());
        headers.put(Headers.ACCEPT_RANGES, "bytes");
        headers.put(Headers.ETAG, "\"" + digest + "\"");
        headers.put(Headers.CONTENT_TYPE, "application/octet-stream");
        var range = Http.header(exchange, "Range");
        if (range.isPresent()) {
          long[] r = range(range.get(), size);
          if (r == null) {
            headers.put(Headers.CONTENT_RANGE, "bytes */" + size);
            throw new OciException(ErrorCode.RANGE_INVALID, 416, "range '" + range.get()
                + "' is not satisfiable for blob " + digest + " of " + size + " bytes", null, null);
          }
          start = r[0];
          end = r[1];
          status = 206;
          headers.put(Headers.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + size);
        }
        long length = end - start + 1;
        exchange.setStatusCode(status);
        exchange.setResponseContentLength(length);
        if (exchange.getRequestMethod().equalToString("HEAD")) {
          exchange.endExchange();
          return;
        }
        try (FileChannel blob = store.openBlob(route.repository(), digest, start)) {
          if (end == size - 1) {
            // To the end of the file: in blocking mode Undertow's sender runs here, synchronously,
            // and hands the channel to sendfile(2), so the bytes never enter the JVM.
            exchange.getResponseSender().transferFrom(blob, IoCallback.END_EXCHANGE);
          } else {
            copy(Channels.newInputStream(blob), exchange.getOutputStream(), length, digest);
            exchange.endExchange();
          }
        }
      }
      case "DELETE" -> {
        if (!context.config().deleteEnabled()) {
          throw new OciException(ErrorCode.UNSUPPORTED, "deletion is disabled on this registry");
        }
        store.deleteBlob(route.repository(), digest);
        Http.empty(exchange, 202);
      }
      default -> throw OciRouter.unsupported(exchange);
    }
  }

  private static void copy(InputStream in, OutputStream out, long length, Digest digest)
      throws IOException {
    byte[] buffer = new byte[BUFFER];
    for (long left = length; left > 0; ) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("blob " + digest + " ended " + left + " bytes early");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  // One "bytes=a-b", "bytes=a-" or "bytes=-n" range; null when unsatisfiable or malformed.
  private static long[] range(String header, long size) {
    String h = header.strip();
    if (!h.startsWith("bytes=") || h.contains(",")) {
      return null;
    }
    String spec = h.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      long start;
      long end;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix <= 0) {
          return null;
        }
        start = Math.max(0, size - suffix);
        end = size - 1;
      } else {
        start = Long.parseLong(a);
        end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
      }
      return start < 0 || start > end || start >= size ? null : new long[] {start, end};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
