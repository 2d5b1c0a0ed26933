package dev.kiln.store;

/**
 * What a garbage collection found and did.
 *
 * @param blobsKept blobs reachable from a root (or too young to judge)
 * @param bytesKept their bytes
 * @param blobsRemoved unreachable blobs deleted (or, for a dry run, that would be)
 * @param bytesRemoved their bytes
 * @param dryRun whether nothing was deleted
 */
public record GcReport(int blobsKept, long bytesKept, int blobsRemoved, long bytesRemoved, boolean dryRun) {}
