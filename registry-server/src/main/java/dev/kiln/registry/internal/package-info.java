/**
 * The registry's insides: the Undertow handler chain (AccessLog → ErrorMapping → Auth → Dispatch
 * → OciRouter → one handler per resource), the storage driver role and its filesystem driver, the
 * content store over it (tree drawn in {@link dev.kiln.registry.internal.StorageLayout}), auth
 * (htpasswd, access policy, JWT tokens), TLS material, metrics and garbage collection. Nothing here
 * is API; {@code dev.kiln.registry} is.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">OCI
 *     distribution-spec v1.1.0</a>
 */
package dev.kiln.registry.internal;
