package dev.kiln.store;

import java.nio.file.Path;

/** A separate process for LayoutImageStoreTest: tags the store's base image N times. */
public final class TagWorker {
  private TagWorker() {}

  /**
   * Runs the worker.
   *
   * @param args the store root, a tag prefix, the number of tags
   */
  public static void main(String[] args) throws Exception {
    LayoutImageStore store = LayoutImageStore.open(Path.of(args[0]));
    var base = store.resolve("base:1");
    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
      store.tag(LayoutImageStoreTest.ref(args[1] + ":" + i), base);
    }
  }
}
