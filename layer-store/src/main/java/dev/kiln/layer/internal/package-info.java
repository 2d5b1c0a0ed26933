/**
 * The machinery behind dev.kiln.layer: the tar codec (pax, SCHILY.xattr with raw bytes), tree walks,
 * the extractor and its path resolution, parallel gzip, background hashing, and the few libc calls
 * (FFM) the JDK lacks. Not an API: only dev.kiln.layer uses it.
 */
package dev.kiln.layer.internal;
