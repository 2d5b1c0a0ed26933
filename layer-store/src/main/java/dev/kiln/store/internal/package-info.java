/** Store internals: file locks shared between threads and processes, atomic file writes, decompression. */
package dev.kiln.store.internal;
