package dev.kiln.registry.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Digest;
import dev.kiln.oci.MediaTypes;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.util.Optional;

/**
 * {@code GET /v2/<name>/referrers/<digest>?artifactType=}: an image index of the manifests whose
 * {@code subject} is the digest; an unknown subject has an empty list.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers">
 *     distribution-spec v1.1.0, listing referrers</a>
 */
final class ReferrersHandler implements OciRouter.ResourceHandler {
  private static final HttpString FILTERS_APPLIED = new HttpString("OCI-Filters-Applied");
  private final RegistryContext context;

  ReferrersHandler(RegistryContext context) {
    this.context = context;
  }

  @Override
  public void handle(HttpServerExchange exchange, Route route) throws Exception {
    OciRouter.requireRead(exchange);
    Digest subject = Http.digest(route.reference());
    Optional<String> artifactType = Http.query(exchange, "artifactType");
    ObjectNode index = Http.JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", MediaTypes.OCI_INDEX);
    var list = index.putArray("manifests");
    context.store().referrers(route.repository(), subject, artifactType).forEach(list::add);
    artifactType.ifPresent(t -> exchange.getResponseHeaders().put(FILTERS_APPLIED, "artifactType"));
    Http.send(exchange, 200, MediaTypes.OCI_INDEX, Http.JSON.writeValueAsBytes(index));
  }
}
