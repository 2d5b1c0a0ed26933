package dev.kiln.cli;

/**
 * kiln's version text. Kept apart from picocli so {@code kiln version} can print it without
 * loading picocli (see {@link Main#main}).
 */
final class KilnVersion {
  private KilnVersion() {}

  /** Returns the lines {@code kiln version} prints. */
  static String[] lines() {
    String version = KilnVersion.class.getPackage().getImplementationVersion();
    return new String[] {
      "kiln " + (version == null ? "dev" : version),
      "java " + Runtime.version() + " " + System.getProperty("os.arch")
    };
  }
}
