package dev.kiln.registry.internal;

import dev.kiln.oci.Digest;
import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.ManifestUnknownException;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciException;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.RawManifest;
import dev.kiln.oci.Reference;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.Optional;

/**
 * {@code /v2/<name>/manifests/<reference>}: GET and HEAD by tag or digest with content
 * negotiation, PUT with validation (size cap, parse, ambiguity, media type against Content-Type,
 * referenced blobs present), and DELETE (by digest: the manifest and its tags; by tag: that tag
 * only). The exact bytes received are stored and served; nothing is re-serialised.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests">
 *     distribution-spec v1.1.0, pushing manifests</a>
 */
final class ManifestHandler implements OciRouter.ResourceHandler {
  private static final HttpString OCI_SUBJECT = new HttpString("OCI-Subject");
  private final RegistryContext context;

  ManifestHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    String repository = route.repository();
    String reference = route.reference();
    boolean byDigest = reference.contains(":");
    if (byDigest) {
      Http.digest(reference);
    } else {
      try {
        Reference.checkTag(reference);
      } catch (OciFormatException e) {
        throw new OciException(ErrorCode.TAG_INVALID, e.getMessage());
      }
    }
    RegistryStore store = context.store();
    switch (exchange.getRequestMethod().toString()) {
      case "GET", "HEAD" -> {
        RegistryStore.StoredManifest m = store.manifest(repository, reference);
        if (!byDigest && !acceptable(exchange, m.mediaType())) {
          throw new ManifestUnknownException(reference, repository + " (stored as " + m.mediaType()
              + ", which the Accept header excludes)");
        }
        var h = exchange.getResponseHeaders();
        h.put(Http.CONTENT_DIGEST, m.digest().toString());
        h.put(Headers.ETAG, "\"" + m.digest() + "\"");
        Http.send(exchange, 200, m.mediaType(), m.bytes());
      }
      case "PUT" -> put(exchange, repository, reference, byDigest);
      case "DELETE" -> {
        if (!context.config().deleteEnabled()) {
          throw new OciException(ErrorCode.UNSUPPORTED, "deletion is disabled on this registry");
        }
        if (byDigest) {
          store.deleteManifest(repository, Digest.parse(reference));
        } else {
          store.deleteTag(repository, reference);
        }
        Http.empty(exchange, 202);
      }
      default -> throw OciRouter.unsupported(exchange);
    }
  }

  private void put(HttpServerExchange exchange, String repository, String reference,
      boolean byDigest) throws Exception {
    String contentType = Http.header(exchange, "Content-Type").orElse("");
    String essence = contentType.contains(";") ? contentType.substring(0, contentType.indexOf(';'))
        .strip() : contentType.strip();
    if (!MediaTypes.isManifest(essence)) {
      throw new ManifestInvalidException("manifest PUT to " + repository + ":" + reference
          + ": Content-Type '" + contentType + "' is not a manifest or index media type");
    }
    byte[] bytes = Http.smallBody(exchange, RawManifest.MAX_BYTES, new OciException(
        ErrorCode.MANIFEST_INVALID, 413, "manifest PUT to " + repository + ":" + reference
            + " is larger than the " + RawManifest.MAX_BYTES + "-byte cap", null, null));
    String what = "manifest " + repository + ":" + reference;
    RawManifest raw = RawManifest.from(bytes, contentType, what);
    Optional<String> tag = Optional.empty();
    if (byDigest) {
      Digest expected = Digest.parse(reference);
      raw = RawManifest.verified(raw.mediaType(), bytes, expected, what);
    } else {
      tag = Optional.of(reference);
    }
    Manifest parsed = raw.manifest();
    context.store().putManifest(repository, tag, raw, parsed, context.config().validateReferences());
    var h = exchange.getResponseHeaders();
    h.put(Headers.LOCATION, "/v2/" + repository + "/manifests/" + raw.digest());
    h.put(Http.CONTENT_DIGEST, raw.digest().toString());
    parsed.subject().ifPresent(s -> h.put(OCI_SUBJECT, s.digest().toString()));
    Http.empty(exchange, 201);
  }

  // By tag, a client that lists manifest types but not this one cannot use it (Distribution does
  // the same); wildcards and no Accept at all accept anything.
  private static boolean acceptable(HttpServerExchange exchange, String mediaType) {
    HeaderValues accept = exchange.getRequestHeaders().get(Headers.ACCEPT);
    if (accept == null) {
      return true;
    }
    boolean listsManifests = false;
    for (String value : accept) {
      for (String range : value.split(",")) {
        String type = range.contains(";") ? range.substring(0, range.indexOf(';')) : range;
        type = type.strip();
        if (type.equals(mediaType) || type.equals("*/*") || type.equals("application/*")) {
          return true;
        }
        listsManifests |= MediaTypes.isManifest(type);
      }
    }
    return !listsManifests;
  }
}
