package dev.kiln.remote.internal;

/** Removes what must not reach a message: query strings carry signatures and tokens. */
public final class Redact {
  private Redact() {}

  /**
   * Returns a URL without its query string.
   *
   * @param url the URL text
   * @return the URL up to its {@code ?}
   */
  public static String url(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?…";
  }
}
