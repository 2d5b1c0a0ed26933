/** The OCI Distribution API v1.1 registry on Undertow: routing, storage drivers, auth, garbage collection and metrics. */
package dev.kiln.registry;
