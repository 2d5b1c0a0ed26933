/**
 * Layer tarballs: deterministic writing ({@link dev.kiln.layer.LayerWriter} from a {@link
 * dev.kiln.layer.LayerSource}: a directory, the diff of two trees, an overlayfs upper dir, or an
 * existing tar), compression (block-parallel gzip, multi-threaded zstd, none) with the diffId and
 * the blob digest computed in the one pass that writes the blob, safe applying with OCI whiteouts
 * ({@link dev.kiln.layer.LayerApplier}), the per-diffId cache of unpacked layers the runtime stacks
 * as overlay lower dirs ({@link dev.kiln.layer.UnpackedLayers}), and root filesystem import ({@link
 * dev.kiln.layer.Imports}).
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md">image-spec v1.1.0,
 *     layer</a>
 */
package dev.kiln.layer;
