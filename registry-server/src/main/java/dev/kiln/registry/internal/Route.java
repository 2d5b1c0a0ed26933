package dev.kiln.registry.internal;

import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;
import dev.kiln.oci.Reference;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed request path: which resource, of which repository, with which reference (tag, digest
 * or upload id).
 *
 * @param kind the resource
 * @param repository the checked repository name, empty for registry-wide routes
 * @param reference the last path segment when the resource has one, else empty
 */
public record Route(Kind kind, String repository, String reference) {

  /** The resources, named as in the distribution-spec's endpoint table. */
  public enum Kind {
    BASE, CATALOG, TAGS, MANIFEST, BLOB, UPLOADS, UPLOAD, REFERRERS, TOKEN, METRICS, HEALTH;

    /**
     * The label of this route in metrics and logs.
     *
     * @return a lowercase name
     */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Checks. */
  public Route {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(reference, "reference");
  }

  /**
   * Parses a decoded request path <em>from the right</em>: repository names contain {@code /}, so
   * the resource is recognised by its last segments and everything before is the name.
   *
   * @param path the request path, e.g. {@code /v2/library/busybox/manifests/latest}
   * @return the route, or empty when the path is no route of the registry
   * @throws OciException NAME_INVALID when the name is outside the spec's grammar
   */
  public static Optional<Route> parse(String path) throws OciException {
    switch (path) {
      case "/token" -> {
        return Optional.of(new Route(Kind.TOKEN, "", ""));
      }
      case "/metrics" -> {
        return Optional.of(new Route(Kind.METRICS, "", ""));
      }
      case "/health" -> {
        return Optional.of(new Route(Kind.HEALTH, "", ""));
      }
      case "/v2", "/v2/" -> {
        return Optional.of(new Route(Kind.BASE, "", ""));
      }
      case "/v2/_catalog" -> {
        return Optional.of(new Route(Kind.CATALOG, "", ""));
      }
      default -> {
        // fall through to the repository routes
      }
    }
    if (!path.startsWith("/v2/")) {
      return Optional.empty();
    }
    String[] s = path.substring(4).split("/", -1);
    int n = s.length;
    if (n >= 3 && s[n - 2].equals("tags") && s[n - 1].equals("list")) {
      return Optional.of(new Route(Kind.TAGS, name(s, n - 2), ""));
    }
    if (n >= 3 && s[n - 2].equals("manifests")) {
      return Optional.of(new Route(Kind.MANIFEST, name(s, n - 2), s[n - 1]));
    }
    if (n >= 3 && s[n - 2].equals("referrers")) {
      return Optional.of(new Route(Kind.REFERRERS, name(s, n - 2), s[n - 1]));
    }
    if (n >= 4 && s[n - 3].equals("blobs") && s[n - 2].equals("uploads")) {
      return Optional.of(s[n - 1].isEmpty()
          ? new Route(Kind.UPLOADS, name(s, n - 3), "")
          : new Route(Kind.UPLOAD, name(s, n - 3), s[n - 1]));
    }
    if (n >= 3 && s[n - 2].equals("blobs")) {
      // "/v2/<name>/blobs/uploads" without the trailing slash: clients differ, accept both.
      return Optional.of(s[n - 1].equals("uploads")
          ? new Route(Kind.UPLOADS, name(s, n - 2), "")
          : new Route(Kind.BLOB, name(s, n - 2), s[n - 1]));
    }
    return Optional.empty();
  }

  private static String name(String[] segments, int end) throws OciException {
    String name = String.join("/", java.util.Arrays.asList(segments).subList(0, end));
    try {
      return Reference.checkRepository(name);
    } catch (dev.kiln.oci.OciFormatException e) {
      throw new OciException(ErrorCode.NAME_INVALID, ErrorCode.NAME_INVALID.status(),
          e.getMessage(), new NameDetail(name), null);
    }
  }

  /** The error detail naming the rejected repository. */
  public record NameDetail(String name) {}
}
