package dev.kiln.registry.internal;

import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import io.undertow.server.HttpServerExchange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /token?service=&scope=…}: kiln's token server. The caller authenticates with Basic
 * credentials from the htpasswd file, or not at all (anonymous); each requested scope is granted
 * only the actions the access policy allows, as Docker's token spec requires (a partly denied
 * request still gets a token, with fewer actions).
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">Docker token auth</a>
 */
final class TokenHandler implements OciRouter.ResourceHandler {
  private final RegistryContext context;

  TokenHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    TokenService tokens = context.tokens().orElseThrow(() -> new OciException(ErrorCode.UNSUPPORTED,
        404, "this registry does not use token auth", null, null));
    if (!exchange.getRequestMethod().equalToString("GET")) {
      // Docker clients fall back from the OAuth2 POST to GET on a 404.
      throw new OciException(ErrorCode.UNSUPPORTED, 404, "the token server answers GET only", null,
          null);
    }
    Optional<String> service = Http.query(exchange, "service");
    if (service.isPresent() && !service.get().equals(tokens.service())) {
      throw new OciException(ErrorCode.DENIED, "token service '" + service.get() + "' is not "
          + tokens.service());
    }
    Optional<String> user = Auth.basicUser(exchange, context.passwords().orElseThrow(),
        "Basic realm=\"kiln-token\"");
    user.ifPresent(u -> exchange.putAttachment(Http.USER, u));
    Map<String, List<String>> access = new LinkedHashMap<>();
    Deque<String> scopes = exchange.getQueryParameters().get("scope");
    if (scopes != null) {
      for (String value : scopes) {
        for (String scope : value.split(" ")) {
          grant(scope.strip(), user, access);
        }
      }
    }
    String token = tokens.issue(user, access);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", token);
    body.put("access_token", token);
    body.put("expires_in", tokens.ttl().toSeconds());
    body.put("issued_at", Instant.now().toString());
    exchange.getResponseHeaders().put(io.undertow.util.Headers.CACHE_CONTROL, "no-store");
    Http.json(exchange, 200, "application/json", body);
  }

  // "repository:NAME:a,b" or "registry:catalog:*"; malformed scopes are granted nothing.
  private void grant(String scope, Optional<String> user, Map<String, List<String>> access) {
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    if (first < 0 || last == first) {
      return;
    }
    String type = scope.substring(0, first);
    String name = scope.substring(first + 1, last);
    List<String> actions = List.of(scope.substring(last + 1).split(","));
    AccessPolicy policy = context.policy();
    if (type.equals("registry") && name.equals("catalog")) {
      if (policy.allows(user, "", "catalog")) {
        access.put("registry:catalog", List.of("*"));
      }
      return;
    }
    if (!type.equals("repository")) {
      return;
    }
    List<String> wanted = new ArrayList<>();
    for (String a : actions) {
      if (a.equals("*")) {
        wanted.addAll(List.of("pull", "push", "delete"));
      } else {
        wanted.add(a);
      }
    }
    List<String> granted = policy.grant(user, name, wanted);
    if (!granted.isEmpty()) {
      access.merge(name, granted, (a, b) -> {
        List<String> both = new ArrayList<>(a);
        b.stream().filter(x -> !both.contains(x)).forEach(both::add);
        return both;
      });
    }
  }
}
