/**
 * Store internals: file locks shared between threads and processes, atomic file writes,
 * decompression and kiln's one way to read and write zstd ({@link dev.kiln.store.internal.ZstdStreams}),
 * and the one downcall shape every native call goes through ({@link dev.kiln.store.internal.Downcalls}).
 */
package dev.kiln.store.internal;
