package dev.kiln.remote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A plain-Java reverse proxy on 127.0.0.1 in front of a registry, for fault injection and token
 * auth: it can cut a blob download mid-body, answer 500/429, flip a byte, refuse everything (a
 * registry that died), and demand Bearer tokens from its own small token endpoint.
 */
final class TestProxy implements AutoCloseable {
  /** What to do to a matching request. */
  enum Fault { NONE, CUT_MID_BODY, STATUS_500, STATUS_429, FLIP_BYTE, DEAD }

  private static final Set<String> SKIP_REQUEST = Set.of("host", "connection", "content-length",
      "expect", "upgrade", "transfer-encoding", "authorization");
  private static final Set<String> SKIP_RESPONSE = Set.of("content-length", "transfer-encoding",
      "connection", "date", ":status");

  private final HttpServer server;
  private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String upstreamBase;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger tokenRequests = new AtomicInteger();
  /** Token requests answered from a refresh token (no password sent). */
  final AtomicInteger refreshGrants = new AtomicInteger();
  private volatile Fault fault = Fault.NONE;
  private volatile Predicate<String> faultWhere = r -> false;
  private volatile int faultTimes;
  private volatile String tokenUser;
  private volatile String tokenPassword;
  private volatile boolean garbageTokens;
  private volatile Predicate<String> trickleWhere = r -> false;

  TestProxy(String upstreamHostPort) throws IOException {
    this.upstreamBase = "http://" + upstreamHostPort;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Injects a fault into the next {@code times} requests whose "METHOD path" matches.
   */
  void fault(Fault f, Predicate<String> where, int times) {
    this.faultWhere = where;
    this.faultTimes = times;
    this.fault = f;
  }

  /** Demands Bearer tokens, issued by /token to this user (anonymous when user is null). */
  void requireTokens(String user, String password) {
    this.tokenUser = user;
    this.tokenPassword = password;
  }

  /**
   * Sends the bodies of matching responses slowly, 16 KiB every 100 ms (a congested link), for
   * as long as the client reads; independent of {@link #fault}.
   */
  void trickle(Predicate<String> where) {
    this.trickleWhere = where;
  }

  void garbageTokens(boolean on) {
    this.garbageTokens = on;
  }

  private synchronized Fault takeFault(String line) {
    if (fault != Fault.NONE && faultTimes > 0 && faultWhere.test(line)) {
      faultTimes--;
      return fault;
    }
    return Fault.NONE;
  }

  private void handle(HttpExchange ex) throws IOException {
    String line = ex.getRequestMethod() + " " + ex.getRequestURI();
    log.add(line + (ex.getRequestHeaders().containsKey("Range")
        ? " Range:" + ex.getRequestHeaders().getFirst("Range") : ""));
    try (ex) {
      if (ex.getRequestURI().getPath().equals("/token")) {
        token(ex);
        return;
      }
      if (tokenUser != null && !authorized(ex)) {
        return;
      }
      Fault f = takeFault(line);
      switch (f) {
        case DEAD -> {
          // Drop the connection without an answer, as a registry that died would.
          throw new IOException("registry is dead");
        }
        case STATUS_500 -> {
          send(ex, 500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected\"}]}");
          return;
        }
        case STATUS_429 -> {
          ex.getResponseHeaders().set("Retry-After", "1");
          send(ex, 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
          return;
        }
        default -> forward(ex, f);
      }
    }
  }

  private void forward(HttpExchange ex, Fault f) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(upstreamBase + ex.getRequestURI()))
        .timeout(Duration.ofSeconds(60))
        .method(ex.getRequestMethod(), body.length == 0 && !ex.getRequestMethod().equals("PUT")
            && !ex.getRequestMethod().equals("PATCH") && !ex.getRequestMethod().equals("POST")
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders().forEach((k, vs) -> {
      if (!SKIP_REQUEST.contains(k.toLowerCase(Locale.ROOT))) {
        vs.forEach(v -> rb.header(k, v));
      }
    });
    boolean slow = trickleWhere.test(ex.getRequestMethod() + " " + ex.getRequestURI());
    HttpResponse<InputStream> r;
    try {
      r = upstream.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    r.headers().map().forEach((k, vs) -> {
      if (!SKIP_RESPONSE.contains(k.toLowerCase(Locale.ROOT))) {
        ex.getResponseHeaders().put(k, vs);
      }
    });
    long length = r.headers().firstValueAsLong("content-length").orElse(-1);
    try (InputStream in = r.body()) {
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Content-Length", Long.toString(Math.max(0, length)));
        ex.sendResponseHeaders(r.statusCode(), -1);
        return;
      }
      if (length == 0 || r.statusCode() == 204) {
        ex.sendResponseHeaders(r.statusCode(), -1);
        return;
      }
      ex.sendResponseHeaders(r.statusCode(), length < 0 ? 0 : length);
      OutputStream out = ex.getResponseBody();
      byte[] all = in.readAllBytes();
      switch (f) {
        case CUT_MID_BODY -> {
          out.write(all, 0, all.length / 2);
          out.flush();
          // Abort the connection with the body half sent.
          throw new IOException("cut");
        }
        case FLIP_BYTE -> {
          all[all.length / 2] ^= 0x01;
          out.write(all);
        }
        default -> {
          if (!slow) {
            out.write(all);
            return;
          }
          for (int off = 0; off < all.length; off += 16 * 1024) {
            out.write(all, off, Math.min(16 * 1024, all.length - off));
            out.flush();
            try {
              Thread.sleep(100);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
          }
        }
      }
    }
  }

  private boolean authorized(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String path = ex.getRequestURI().getPath();
    String repo = repository(path);
    String need = ex.getRequestMethod().equals("GET") || ex.getRequestMethod().equals("HEAD")
        ? "pull" : "push";
    if (auth != null && auth.startsWith("Bearer ")) {
      String granted = new String(Base64.getUrlDecoder().decode(auth.substring(7)), StandardCharsets.UTF_8);
      if (repo.isEmpty() || granted.contains("repository:" + repo + ":") && grants(granted, repo, need)) {
        return true;
      }
    }
    String scope = repo.isEmpty() ? "" : ",scope=\"repository:" + repo + ":" + (need.equals("pull") ? "pull" : "pull,push") + "\"";
    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + host()
        + "/token\",service=\"kiln-test\"" + scope);
    send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token needed\"}]}");
    return false;
  }

  private static boolean grants(String granted, String repo, String need) {
    for (String s : granted.split(" ")) {
      if (s.startsWith("repository:" + repo + ":") && s.substring(s.lastIndexOf(':') + 1).contains(need)) {
        return true;
      }
    }
    return false;
  }

  private static String repository(String path) {
    if (!path.startsWith("/v2/") || path.equals("/v2/")) {
      return "";
    }
    String rest = path.substring(4);
    for (String marker : List.of("/blobs/", "/manifests/", "/tags/")) {
      int i = rest.indexOf(marker);
      if (i > 0) {
        return rest.substring(0, i);
      }
    }
    return rest;
  }

  private void token(HttpExchange ex) throws IOException {
    tokenRequests.incrementAndGet();
    if (garbageTokens) {
      send(ex, 200, "<html>not a token</html>");
      return;
    }
    boolean refreshGrant = ex.getRequestMethod().equals("POST");
    String q = refreshGrant ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
        : ex.getRequestURI().getRawQuery();
    Map<String, List<String>> params = new java.util.HashMap<>();
    for (String kv : q == null ? new String[0] : q.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        params.computeIfAbsent(kv.substring(0, eq), k -> new ArrayList<>())
            .add(java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    String refreshToken = "refresh-for-" + tokenUser;
    if (refreshGrant) {
      // OAuth2 refresh-token grant: only the token this server handed out is good.
      if (!params.getOrDefault("grant_type", List.of()).equals(List.of("refresh_token"))
          || !params.getOrDefault("refresh_token", List.of()).equals(List.of(refreshToken))) {
        send(ex, 401, "{\"details\":\"bad refresh token\"}");
        return;
      }
      refreshGrants.incrementAndGet();
    } else {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      String expected = "Basic " + Base64.getEncoder().encodeToString(
          (tokenUser + ":" + tokenPassword).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(auth)) {
        send(ex, 401, "{\"details\":\"bad credentials\"}");
        return;
      }
    }
    List<String> scopes = new ArrayList<>();
    for (String sc : params.getOrDefault("scope", List.of())) {
      scopes.addAll(List.of(sc.split(" ")));
    }
    boolean offline = params.getOrDefault("offline_token", List.of()).equals(List.of("true"));
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(
        String.join(" ", scopes).getBytes(StandardCharsets.UTF_8));
    send(ex, 200, "{\"token\":\"" + token + "\",\"expires_in\":300"
        + (offline ? ",\"refresh_token\":\"" + refreshToken + "\"" : "") + "}");
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
