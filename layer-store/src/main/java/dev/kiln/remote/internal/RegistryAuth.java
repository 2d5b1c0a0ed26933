package dev.kiln.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.oci.UnauthorizedException;
import dev.kiln.oci.internal.Json;
import dev.kiln.remote.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import okhttp3.Authenticator;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;

/**
 * Answers registry auth challenges in the transport. The {@link Interceptor} half adds a cached
 * (or freshly fetched) Authorization header before a request leaves, once the registry's challenge
 * is known, saving a 401 round trip per request; the {@link Authenticator} half answers a 401 by
 * fetching a token for every scope the request's {@link Scope} tag names, at most once per request.
 *
 * <p>Tokens are cached per (registry, scopes) until they expire. Credentials only ever go to the
 * registry host itself and to its token realm; OkHttp drops the Authorization header on redirects
 * to another host (blob storage), and this class never adds it for a host that is not the tagged
 * registry. Thread-safe.
 */
public final class RegistryAuth implements Interceptor, Authenticator {
  private static final System.Logger LOG = System.getLogger(RegistryAuth.class.getName());
  private static final int MAX_TOKEN_BYTES = 64 * 1024;
  /** The distribution spec's default when a token response names no lifetime. */
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  /** Renew a little early so a token does not expire on its way to the registry. */
  private static final Duration EARLY = Duration.ofSeconds(10);

  private final Function<String, Optional<Credentials>> credentials;
  private final Set<String> insecure;
  private final Clock clock;
  // Mutable, thread-safe: the last challenge seen per registry.
  private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
  // Mutable, thread-safe: Authorization values per (registry, scopes).
  private final Map<Scope, Token> tokens = new ConcurrentHashMap<>();
  // Mutable, thread-safe: refresh tokens (offline_token) per token service ("realm service"),
  // used instead of the password for later scopes.
  private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  // Mutable, thread-safe: one lock per (registry, scopes) so a token is fetched once.
  private final Map<Scope, ReentrantLock> locks = new ConcurrentHashMap<>();
  private volatile Function<HttpUrl, OkHttpClient> tokenClients;

  private record Token(String header, Instant expires) {}

  /**
   * Creates the auth layer.
   *
   * @param credentials looks up the credentials of a registry
   * @param insecure registries allowed plain HTTP (and plain-HTTP token realms)
   * @param clock the clock token expiry is measured with
   */
  public RegistryAuth(Function<String, Optional<Credentials>> credentials, Set<String> insecure,
      Clock clock) {
    this.credentials = credentials;
    this.insecure = Set.copyOf(insecure);
    this.clock = clock;
  }

  /**
   * Sets the clients token requests go through (the registry client without this auth layer).
   *
   * @param byRealm the client for a token realm's URL
   */
  public void tokenClients(Function<HttpUrl, OkHttpClient> byRealm) {
    this.tokenClients = byRealm;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Scope scope = request.tag(Scope.class);
    if (scope != null && request.header("Authorization") == null) {
      Challenge known = challenges.get(scope.registry());
      if (known != null) {
        Optional<String> header = authorization(scope, known, null);
        if (header.isPresent()) {
          request = request.newBuilder().header("Authorization", header.get()).build();
        }
      }
    }
    return chain.proceed(request);
  }

  @Override
  public Request authenticate(Route route, Response response) throws IOException {
    Request request = response.request();
    Scope scope = request.tag(Scope.class);
    if (scope == null || response.code() != 401 || !sameHost(request.url(), scope.registry())) {
      return null;
    }
    // Re-authenticate at most once per request: a second 401 means the credentials are wrong.
    for (Response prior = response.priorResponse(); prior != null; prior = prior.priorResponse()) {
      if (prior.code() == 401) {
        return null;
      }
    }
    Optional<Challenge> challenge = Challenge.pick(response.headers("WWW-Authenticate"));
    if (challenge.isEmpty()) {
      return null;
    }
    challenges.put(scope.registry(), challenge.get());
    Optional<String> header = authorization(scope, challenge.get(), request.header("Authorization"));
    if (header.isEmpty() || header.get().equals(request.header("Authorization"))) {
      return null;
    }
    return request.newBuilder().header("Authorization", header.get()).build();
  }

  private static boolean sameHost(HttpUrl url, String registry) {
    String hostPort = url.host() + ":" + url.port();
    return registry.equals(url.host()) || registry.equals(hostPort)
        || (registry.equals("docker.io") && url.host().endsWith("docker.io"));
  }

  /**
   * Returns the Authorization value for a request.
   *
   * @param failed the value a request was just refused with, or null
   */
  private Optional<String> authorization(Scope scope, Challenge challenge, String failed)
      throws IOException {
    Optional<Credentials> creds = credentials.apply(scope.registry());
    return switch (challenge.scheme()) {
      case "basic" -> creds.map(c -> "Basic " + Base64.getEncoder().encodeToString(
          (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8)));
      case "bearer" -> Optional.of(bearer(scope, challenge, creds, failed));
      default -> Optional.empty();
    };
  }

  /** One token fetch per (registry, scopes) at a time: parallel blob requests share it. */
  private String bearer(Scope scope, Challenge challenge, Optional<Credentials> creds, String failed)
      throws IOException {
    Token cached = tokens.get(scope);
    if (usable(cached, failed)) {
      return cached.header();
    }
    ReentrantLock lock = locks.computeIfAbsent(scope, k -> new ReentrantLock());
    lock.lock();
    try {
      cached = tokens.get(scope);
      if (usable(cached, failed)) {
        return cached.header();
      }
      Token fresh = fetchToken(scope, challenge, creds);
      tokens.put(scope, fresh);
      return fresh.header();
    } finally {
      lock.unlock();
    }
  }

  private boolean usable(Token t, String failed) {
    return t != null && clock.instant().isBefore(t.expires()) && !t.header().equals(failed);
  }

  private Token fetchToken(Scope scope, Challenge challenge, Optional<Credentials> creds)
      throws IOException {
    String realm = challenge.param("realm");
    HttpUrl url = HttpUrl.parse(realm);
    String where = "registry " + scope.registry();
    if (url == null) {
      throw new UnauthorizedException(where + " sent a Bearer challenge without a usable realm ("
          + Redact.url(realm) + "): it cannot be logged in to", "");
    }
    if (!url.isHttps() && !insecure.contains(scope.registry())) {
      throw new UnauthorizedException(where + " asks for credentials over plain HTTP at "
          + Redact.url(realm) + ": refusing; mark the registry insecure if that is intended", "");
    }
    String service = challenge.param("service");
    String serviceKey = realm + " " + service;
    Optional<String> refresh = creds.filter(Credentials::isIdentityToken).map(Credentials::secret)
        .or(() -> creds.isPresent() ? Optional.ofNullable(refreshTokens.get(serviceKey)) : Optional.empty());
    Request.Builder rb = new Request.Builder();
    if (refresh.isPresent()) {
      // OAuth2 refresh-token grant: Docker's identity tokens, or one this client was given.
      FormBody.Builder form = new FormBody.Builder()
          .add("grant_type", "refresh_token")
          .add("refresh_token", refresh.get())
          .add("client_id", "kiln")
          .add("scope", String.join(" ", scope.scopes()));
      if (!service.isEmpty()) {
        form.add("service", service);
      }
      rb.url(url).post(form.build());
    } else {
      HttpUrl.Builder ub = url.newBuilder();
      if (!service.isEmpty()) {
        ub.addQueryParameter("service", service);
      }
      for (String s : scope.scopes()) {
        ub.addQueryParameter("scope", s);
      }
      if (creds.isPresent()) {
        // offline_token: ask for a refresh token, so later scopes need not send the password.
        ub.addQueryParameter("offline_token", "true").addQueryParameter("client_id", "kiln");
        rb.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (creds.get().username() + ":" + creds.get().secret()).getBytes(StandardCharsets.UTF_8)));
      }
      rb.url(ub.build()).get();
    }
    Instant asked = clock.instant();
    try (Response r = tokenClients.apply(url).newCall(rb.build()).execute()) {
      byte[] body;
      try (InputStream in = r.body().byteStream()) {
        body = in.readNBytes(MAX_TOKEN_BYTES);
      }
      if ((r.code() == 401 || r.code() == 403) && refresh.isPresent()
          && !creds.get().isIdentityToken()) {
        // The refresh token was revoked or expired: the password still works.
        refreshTokens.remove(serviceKey, refresh.get());
        return fetchToken(scope, challenge, creds);
      }
      if (r.code() == 401 || r.code() == 403) {
        throw new UnauthorizedException(where + ": the token server refused "
            + (creds.isPresent() ? "the credentials of user '" + creds.get().username()
                + "': check the password or log in again with 'kiln login " + scope.registry() + "'"
                : "anonymous access to " + String.join(" ", scope.scopes())
                + ": log in with 'kiln login " + scope.registry() + "'"), "");
      }
      if (!r.isSuccessful()) {
        throw new OciException(r.code() >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.UNAUTHORIZED,
            where + ": token server " + Redact.url(realm) + " answered HTTP " + r.code());
      }
      JsonNode json;
      try {
        json = Json.MAPPER.readTree(body);
      } catch (IOException e) {
        json = null;
      }
      String token = json == null || !json.isObject() ? ""
          : json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty() || !token.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new UnauthorizedException(where + ": token server " + Redact.url(realm)
            + " answered something that is not a token (expected JSON with \"token\"): "
            + "check the registry's auth configuration", "");
      }
      String refreshed = json.path("refresh_token").asText("");
      if (creds.isPresent() && !creds.get().isIdentityToken() && !refreshed.isEmpty()) {
        refreshTokens.put(serviceKey, refreshed);
      }
      long seconds = json.path("expires_in").asLong(0);
      Duration life = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_TOKEN_LIFETIME;
      Duration cacheFor = life.compareTo(EARLY.multipliedBy(2)) > 0 ? life.minus(EARLY) : life.dividedBy(2);
      LOG.log(System.Logger.Level.DEBUG, "token for {0} {1} valid {2}", scope.registry(), scope.scopes(), life);
      return new Token("Bearer " + token, asked.plus(cacheFor));
    }
  }
}
