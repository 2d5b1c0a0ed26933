/**
 * The registry client: push and pull over the OCI distribution API, auth (anonymous, Basic,
 * Bearer tokens), Docker-format credentials. Entry points: {@link dev.kiln.remote.RegistryClient}
 * (build one per process) and {@link dev.kiln.remote.AuthConfig}. Nothing else in layer-store sees
 * OkHttp; public signatures use JDK, {@code dev.kiln.oci} and {@code dev.kiln.store} types only.
 *
 * <p>Layer code that wants to unpack while a pull downloads implements {@link
 * dev.kiln.remote.LayerTap} and passes it in {@link dev.kiln.remote.PullOptions#withTap}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">distribution-spec v1.1.0</a>
 */
package dev.kiln.remote;
