package dev.kiln.layer.internal;

import dev.kiln.layer.LayerRejectedException;
import java.util.ArrayList;
import java.util.List;

/** The one check of an entry name, shared by the applier and the tar re-writer. */
public final class EntryNames {
  private EntryNames() {}

  /**
   * Splits a name into components, refusing {@code ..} and NUL; {@code .} and empty components are
   * dropped.
   *
   * @param name the name as the archive spells it
   * @param entry the entry the error names
   * @param allowAbsolute whether a leading {@code /} is dropped (re-writing a root filesystem tar)
   *     rather than refused (applying a layer)
   * @return the components, empty for the root
   * @throws LayerRejectedException when the name is hostile
   */
  public static List<String> split(String name, String entry, boolean allowAbsolute)
      throws LayerRejectedException {
    if (name.startsWith("/") && !allowAbsolute) {
      throw new LayerRejectedException(entry, "absolute path '" + name + "'");
    }
    if (name.indexOf('\0') >= 0) {
      throw new LayerRejectedException(entry, "NUL byte in path");
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.equals("..")) {
        throw new LayerRejectedException(entry, "path '" + name + "' contains '..'");
      }
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return parts;
  }
}
