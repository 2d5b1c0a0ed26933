/**
 * kiln's OCI Distribution API v1.1 registry, embeddable: {@link dev.kiln.registry.RegistryServer}
 * starts one from a {@link dev.kiln.registry.RegistryConfig} (port 0 for tests and demos), {@link
 * dev.kiln.registry.GarbageCollector} collects its storage, {@link dev.kiln.registry.Htpasswd}
 * writes password entries. Public signatures use JDK types only.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">OCI
 *     distribution-spec v1.1.0</a>
 */
package dev.kiln.registry;
