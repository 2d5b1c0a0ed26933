package dev.kiln.registry.internal;

import dev.kiln.registry.RegistryConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * What every handler shares: the config, the store, metrics and the auth parts.
 *
 * @param config the settings
 * @param store the content
 * @param metrics the counters
 * @param passwords the htpasswd entries, for Basic and token auth
 * @param policy who may do what
 * @param tokens the token issuer and verifier, for token auth
 */
public record RegistryContext(RegistryConfig config, RegistryStore store, Metrics metrics,
    Optional<Passwords> passwords, AccessPolicy policy, Optional<TokenService> tokens) {
  /** Checks. */
  public RegistryContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(policy, "policy");
  }
}
