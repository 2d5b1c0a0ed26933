package dev.kiln.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.oci.DeniedException;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.oci.UnauthorizedException;
import dev.kiln.oci.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Response;

/**
 * The one error decoder of the registry client: every response an endpoint did not expect becomes
 * an {@link OciException} carrying the registry's error code (from the {@link ErrorCode} table),
 * and every transport failure becomes one naming the registry and what to try.
 */
public final class HttpErrors {
  private static final int MAX_ERROR_BYTES = 64 * 1024;
  private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

  private HttpErrors() {}

  /**
   * The HTTP status and retry hint of a decoded error, as its detail.
   *
   * @param status the HTTP status
   * @param retryAfterMillis the server's Retry-After in milliseconds, or -1
   */
  public record HttpDetail(int status, long retryAfterMillis) {}

  /**
   * Decodes an unexpected response. Reads at most 64 KiB of its body; does not close it.
   *
   * @param r the response
   * @param what the request in words, e.g. "GET manifest of 127.0.0.1:5000/app:1"
   * @return the error to throw
   */
  public static OciException decode(Response r, String what) {
    String text = "";
    try (InputStream in = r.body().byteStream()) {
      text = new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      // The body is only a hint; the status still decides.
    }
    ErrorCode code = null;
    String message = "";
    try {
      JsonNode errors = Json.MAPPER.readTree(text).path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        code = ErrorCode.from(errors.get(0).path("code").asText(""));
        message = errors.get(0).path("message").asText("");
      }
    } catch (IOException | RuntimeException e) {
      // Not the spec's error JSON (a proxy's HTML page, say): fall back to the status.
    }
    int status = r.code();
    if (code == null) {
      code = switch (status) {
        case 401 -> ErrorCode.UNAUTHORIZED;
        case 403 -> ErrorCode.DENIED;
        case 404 -> what.contains("manifest") ? ErrorCode.MANIFEST_UNKNOWN : ErrorCode.BLOB_UNKNOWN;
        case 405 -> ErrorCode.UNSUPPORTED;
        case 416 -> ErrorCode.RANGE_INVALID;
        case 429 -> ErrorCode.TOOMANYREQUESTS;
        case 502, 503, 504 -> ErrorCode.UNAVAILABLE;
        default -> ErrorCode.UNKNOWN;
      };
    }
    String line = what + ": HTTP " + status + " " + code.code()
        + (message.isEmpty() ? "" : " (" + oneLine(message) + ")");
    return switch (code) {
      case UNAUTHORIZED -> new UnauthorizedException(line
          + ": check the credentials ('kiln login')", String.join(", ", r.headers("WWW-Authenticate")));
      case DENIED -> new DeniedException(line + ": the credentials lack access to this repository");
      default -> new OciException(code, status, line, new HttpDetail(status, retryAfter(r)), null);
    };
  }

  private static String oneLine(String s) {
    String l = s.lines().findFirst().orElse("").strip();
    return l.length() > 200 ? l.substring(0, 200) + "…" : l;
  }

  private static long retryAfter(Response r) {
    String v = r.header("Retry-After");
    if (v == null) {
      return -1;
    }
    try {
      long s = Long.parseLong(v.strip());
      return Math.min(Duration.ofSeconds(Math.max(0, s)).toMillis(), MAX_RETRY_AFTER.toMillis());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Returns whether a failure may go away when the request is repeated: 429, 5xx, the temporary
   * codes, and dropped or refused connections.
   *
   * @param e the failure
   * @return whether to retry (idempotent requests only)
   */
  public static boolean temporary(IOException e) {
    if (e instanceof OciException o) {
      Optional<Record> d = o.detail();
      boolean serverSide = d.isPresent() && d.get() instanceof HttpDetail h
          && (h.status() == 429 || h.status() >= 500);
      return o.code().temporary() || serverSide || o.getCause() instanceof ConnectException
          || o.getCause() instanceof SocketTimeoutException;
    }
    return !(e instanceof UnknownHostException || e instanceof SSLException);
  }

  /**
   * Returns how long a failed request asks the client to wait, if it said.
   *
   * @param e the failure
   * @return the wait
   */
  public static Optional<Duration> retryAfter(IOException e) {
    if (e instanceof OciException o && o.detail().orElse(null) instanceof HttpDetail h
        && h.retryAfterMillis() >= 0) {
      return Optional.of(Duration.ofMillis(h.retryAfterMillis()));
    }
    return Optional.empty();
  }

  /**
   * Turns a transport failure into one line naming the registry and what to try.
   *
   * @param e the failure (not already an OciException)
   * @param registry the registry host
   * @param what the request in words
   * @return the error to throw
   */
  public static OciException transport(IOException e, String registry, String what) {
    String why = switch (e) {
      case UnknownHostException x -> "unknown host '" + hostOf(registry)
          + "': check the registry name and DNS";
      case SSLHandshakeException x -> "TLS handshake failed (" + rootMessage(x)
          + "): pass the registry's CA with --tls-ca FILE, or --insecure " + registry
          + " if it serves plain HTTP";
      case SSLException x -> "TLS failed (" + rootMessage(x) + "): if the registry serves plain HTTP,"
          + " use --insecure " + registry;
      case ConnectException x -> "connection refused: is the registry running at " + registry + "?";
      case NoRouteToHostException x -> "no route to host " + hostOf(registry);
      case SocketTimeoutException x -> "timed out: the registry did not answer in time";
      default -> "connection failed (" + rootMessage(e) + "): the registry may have gone away; "
          + "re-run the command";
    };
    ErrorCode code = e instanceof UnknownHostException || e instanceof SSLException
        ? ErrorCode.UNKNOWN : ErrorCode.UNAVAILABLE;
    return new OciException(code, code.status(), "registry " + registry + ": " + what + ": " + why,
        null, e);
  }

  private static String hostOf(String registry) {
    int colon = registry.lastIndexOf(':');
    return colon > 0 && !registry.endsWith("]") ? registry.substring(0, colon) : registry;
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
