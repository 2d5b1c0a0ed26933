package dev.kiln.layer;

import dev.kiln.oci.ErrorCode;
import dev.kiln.oci.OciException;

/**
 * A layer that kiln refuses to read or apply: a malformed tar, or a hostile one (a path that leaves
 * the target, an escaping symlink or hardlink, a size that lies, a decompression bomb). The message
 * names the entry. Nothing outside the target has been touched when this is thrown.
 */
public final class LayerRejectedException extends OciException {
  private static final long serialVersionUID = 1L;

  private final String entry;

  /**
   * Creates the error.
   *
   * @param entry the name of the offending entry as the archive spells it, or "" for the archive
   * @param reason what is wrong with it
   */
  public LayerRejectedException(String entry, String reason) {
    super(
        ErrorCode.UNSUPPORTED,
        entry.isEmpty() ? "layer rejected: " + reason : "layer entry '" + entry + "': " + reason);
    this.entry = entry;
  }

  /** Returns the name of the offending entry, or "" when the archive as a whole is at fault. */
  public String entry() {
    return entry;
  }
}
