package dev.kiln.build;

import dev.kiln.build.internal.BuildCache;
import dev.kiln.build.internal.StoreLayer;
import dev.kiln.layer.ApplyOptions;
import dev.kiln.layer.UnpackedLayers;
import dev.kiln.runtime.Containers;
import dev.kiln.store.LayoutImageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Builds images from buildfiles into a local store (STYLE §1: BuildKit's dockerfile2llb and Jib's
 * builder steps in one place): stages as a dependency graph built in parallel on virtual threads,
 * RUN steps in the runtime shim on an overlay of the parent's unpacked layers, COPY/ADD layers
 * written straight from the context, a content-addressed step cache kept in the store.
 *
 * <p>On disk, beside the store ({@code ROOT}): {@code unpacked/} (layers by diffId, shared with
 * {@code kiln run}), {@code build-cache/} (step index, cache mounts, context digests), {@code
 * containers/} (a RUN step's container while it runs) and {@code build-tmp/} (per-build scratch,
 * removed when the build ends). The engine never prints: progress goes to a {@link BuildListener}.
 * Thread-safe: builds may run concurrently on one engine.
 */
public final class BuildEngine {
  private final LayoutImageStore store;
  private final Containers containers;
  private final UnpackedLayers unpacked;
  private final BuildCache cache;

  /**
   * Opens an engine on a store.
   *
   * @param store the local image store (base images, results, cache)
   * @throws IOException when the engine's directories cannot be made
   */
  public BuildEngine(LayoutImageStore store) throws IOException {
    this.store = Objects.requireNonNull(store, "store");
    Path root = store.root();
    this.containers = new Containers(root);
    this.unpacked = unpackedLayers(store);
    this.cache = new BuildCache(root);
  }

  /**
   * Returns the store's unpacked-layer cache ({@code ROOT/unpacked}), as the build and {@code kiln
   * run} share it.
   *
   * @param store the store
   * @return the cache
   * @throws IOException when its directory cannot be made
   */
  public static UnpackedLayers unpackedLayers(LayoutImageStore store) throws IOException {
    return new UnpackedLayers(store.root().resolve("unpacked"), ApplyOptions.defaults());
  }

  /**
   * Returns the build cache's GC roots, for the store's garbage collector.
   *
   * @param store the store
   * @return the roots: every layer the step cache names
   * @throws IOException when the cache directory cannot be made
   */
  public static dev.kiln.store.GcRoots cacheRoots(LayoutImageStore store) throws IOException {
    return new BuildCache(store.root());
  }

  /**
   * Builds an image. The result is stored untagged; the caller tags it, so a failed build moves no
   * tag.
   *
   * @param request what to build
   * @param listener progress (called from several threads)
   * @return the image and what became of each step
   * @throws BuildException when the buildfile is invalid or a step fails (one line naming the
   *     buildfile position; a failed RUN carries its exit code and last output lines)
   * @throws InterruptedException when interrupted (running containers are killed)
   */
  public BuildResult build(BuildRequest request, BuildListener listener) throws BuildException, InterruptedException {
    return new BuildSession(store, containers, unpacked, cache, request, listener).run();
  }

  /** Returns a layer of this store as the runtime's unpacked cache reads it. */
  static StoreLayer layer(LayoutImageStore store, dev.kiln.oci.Descriptor d, dev.kiln.oci.Digest diffId) {
    return new StoreLayer(store.blobs(), d, diffId);
  }
}
