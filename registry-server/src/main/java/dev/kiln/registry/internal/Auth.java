package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kiln.oci.DeniedException;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.oci.UnauthorizedException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Parses the route, works out which actions it needs (pull, push, delete, catalog) and checks the
 * caller may do them: nobody is asked with auth none; Basic credentials against the htpasswd file
 * and the access policy; or a Bearer token from {@code /token}. Anonymous callers get a 401 with a
 * challenge; authenticated callers without the right a 403 (Basic) or a 401 {@code
 * insufficient_scope} (token, as Distribution does, so clients fetch a wider token).
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">Docker token auth</a>
 */
public final class Auth implements HttpHandler {
  /** A check the handlers can make for a further repository (a mount's source). */
  public static final AttachmentKey<Access> ACCESS = AttachmentKey.create(Access.class);

  /** Whether the caller may do an action on a repository. */
  @FunctionalInterface
  public interface Access {
    /**
     * @param repository the repository
     * @param action pull, push, delete or catalog
     * @return whether allowed
     */
    boolean allows(String repository, String action);
  }

  private record Need(String repository, String action) {}

  private final HttpHandler next;
  private final RegistryContext context;

  /**
   * Wraps a handler.
   *
   * @param next the handler
   * @param context the registry
   */
  public Auth(HttpHandler next, RegistryContext context) {
    this.next = next;
    this.context = context;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    Route route = Route.parse(exchange.getRequestPath()).orElseThrow(() -> new OciException(
        ErrorCode.UNSUPPORTED, 404, "no such endpoint: " + exchange.getRequestPath(), null, null));
    exchange.putAttachment(Http.ROUTE, route);
    if (route.kind() == Route.Kind.TOKEN || route.kind() == Route.Kind.METRICS
        || route.kind() == Route.Kind.HEALTH) {
      next.handleRequest(exchange);
      return;
    }
    List<Need> needs = needs(route, exchange.getRequestMethod().toString());
    switch (context.config().auth()) {
      case NONE -> exchange.putAttachment(ACCESS, (r, a) -> true);
      case BASIC -> basic(exchange, route, needs);
      case TOKEN -> bearer(exchange, route, needs);
    }
    next.handleRequest(exchange);
  }

  private static List<Need> needs(Route route, String method) {
    String r = route.repository();
    boolean read = method.equals("GET") || method.equals("HEAD");
    return switch (route.kind()) {
      case BASE, TOKEN, METRICS, HEALTH -> List.of();
      case CATALOG -> List.of(new Need("", "catalog"));
      case TAGS, REFERRERS -> List.of(new Need(r, "pull"));
      case MANIFEST, BLOB -> List.of(new Need(r, read ? "pull" : method.equals("DELETE")
          ? "delete" : "push"));
      case UPLOADS, UPLOAD -> List.of(new Need(r, "push"));
    };
  }

  private void basic(HttpServerExchange exchange, Route route, List<Need> needs)
      throws OciException {
    String challenge = "Basic realm=\"kiln-registry\"";
    Optional<String> user = basicUser(exchange, context.passwords().orElseThrow(), challenge);
    user.ifPresent(u -> exchange.putAttachment(Http.USER, u));
    AccessPolicy policy = context.policy();
    exchange.putAttachment(ACCESS, (r, a) -> policy.allows(user, r, a));
    if (route.kind() == Route.Kind.BASE && user.isEmpty()) {
      throw new UnauthorizedException("authentication required", challenge);
    }
    for (Need n : needs) {
      if (!policy.allows(user, n.repository(), n.action())) {
        throw user.isEmpty()
            ? new UnauthorizedException("authentication required to " + n.action() + " "
                + describe(n), challenge)
            : new DeniedException("user " + user.get() + " may not " + n.action() + " "
                + describe(n));
      }
    }
  }

  /**
   * Reads Basic credentials and checks them.
   *
   * @param exchange the request
   * @param passwords the htpasswd entries
   * @param challenge the challenge to send with a 401
   * @return the user, or empty when none were sent
   * @throws OciException UNAUTHORIZED when the header is garbage or the password wrong
   */
  static Optional<String> basicUser(HttpServerExchange exchange, Passwords passwords,
      String challenge) throws OciException {
    String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (header == null) {
      return Optional.empty();
    }
    if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
      throw new UnauthorizedException("Authorization header is not Basic credentials", challenge);
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), UTF_8);
    } catch (IllegalArgumentException e) {
      throw new UnauthorizedException("Authorization header is not valid base64", challenge);
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0 || !passwords.check(decoded.substring(0, colon), decoded.substring(colon + 1))) {
      throw new UnauthorizedException("invalid username or password", challenge);
    }
    return Optional.of(decoded.substring(0, colon));
  }

  private void bearer(HttpServerExchange exchange, Route route, List<Need> needs)
      throws OciException {
    TokenService tokens = context.tokens().orElseThrow();
    String challenge = challenge(exchange, tokens, needs, "");
    String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (header == null) {
      exchange.putAttachment(ACCESS, (r, a) -> false);
      throw new UnauthorizedException("authentication required", challenge);
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new UnauthorizedException("Authorization header is not a Bearer token",
          challenge(exchange, tokens, needs, "invalid_token"));
    }
    TokenService.Grant grant;
    try {
      grant = tokens.verify(header.substring(7).strip());
    } catch (TokenService.InvalidTokenException e) {
      throw new UnauthorizedException(e.getMessage(), challenge(exchange, tokens, needs,
          "invalid_token"));
    }
    grant.subject().ifPresent(u -> exchange.putAttachment(Http.USER, u));
    exchange.putAttachment(ACCESS, grant::allows);
    for (Need n : needs) {
      if (!grant.allows(n.repository(), n.action())) {
        throw new UnauthorizedException("token does not grant " + n.action() + " on " + describe(n),
            challenge(exchange, tokens, needs, "insufficient_scope"));
      }
    }
  }

  private String challenge(HttpServerExchange exchange, TokenService tokens, List<Need> needs,
      String error) {
    String realm = context.config().tokenRealm().orElseGet(() ->
        exchange.getRequestScheme() + "://" + exchange.getHostAndPort() + "/token");
    StringBuilder c = new StringBuilder("Bearer realm=\"").append(realm).append("\",service=\"")
        .append(tokens.service()).append('"');
    List<String> scopes = new ArrayList<>();
    for (Need n : needs) {
      scopes.add(n.action().equals("catalog") ? "registry:catalog:*"
          : "repository:" + n.repository() + ":" + (n.action().equals("push") ? "pull,push"
              : n.action()));
    }
    if (!scopes.isEmpty()) {
      c.append(",scope=\"").append(String.join(" ", scopes)).append('"');
    }
    if (!error.isEmpty()) {
      c.append(",error=\"").append(error).append('"');
    }
    return c.toString();
  }

  private static String describe(Need n) {
    return n.action().equals("catalog") ? "the catalog" : "repository " + n.repository();
  }
}
