package dev.kiln.build;

import dev.kiln.remote.RegistryClient;
import java.io.IOException;

/**
 * Where a registry client comes from when one is needed: the command's registry options
 * (credentials, CA file, plain-HTTP registries, mirrors), asked only on first use because building
 * a client costs start-up time.
 */
@FunctionalInterface
public interface RegistrySource {
  /** Anonymous, TLS everywhere: what a request without registry options pulls with. */
  RegistrySource DEFAULT = () -> RegistryClient.builder().build();

  /**
   * Returns the client.
   *
   * @return the client
   * @throws IOException when it cannot be built (e.g. an unreadable CA file)
   */
  RegistryClient client() throws IOException;
}
