/** Layer tarballs: deterministic writing, diffing, compression and safe applying. */
package dev.kiln.layer;
