package dev.kiln.oci;

import java.util.List;
import java.util.Objects;

/**
 * The platform an image runs on, as in an index entry or image config. Absent optional text is "".
 *
 * @param architecture CPU architecture in Go's {@code GOARCH} terms, e.g. {@code amd64}
 * @param os operating system in {@code GOOS} terms, e.g. {@code linux}
 * @param osVersion OS version (Windows), or ""
 * @param osFeatures required OS features, possibly empty
 * @param variant CPU variant, e.g. {@code v8}, or ""
 * @param features reserved by the spec; kept when present
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md">image-spec
 *     v1.1.0, image index</a>
 */
public record Platform(
    String architecture,
    String os,
    String osVersion,
    List<String> osFeatures,
    String variant,
    List<String> features) {

  /** Checks and copies. */
  public Platform {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(osVersion, "osVersion");
    Objects.requireNonNull(variant, "variant");
    osFeatures = List.copyOf(osFeatures);
    features = List.copyOf(features);
  }

  /**
   * Returns a platform with only OS, architecture and variant.
   *
   * @param os e.g. {@code linux}
   * @param architecture e.g. {@code amd64}
   * @param variant e.g. {@code v8}, or ""
   * @return the platform
   */
  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, "", List.of(), variant, List.of());
  }

  /**
   * Returns the platform of the running JVM's host, in Go's terms (linux/amd64, linux/arm64 …).
   *
   * @return the host platform
   */
  public static Platform host() {
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      case String other -> other;
    };
    String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux")
        ? "linux" : System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
    return of(os, arch, arch.equals("arm64") ? "v8" : "");
  }

  /**
   * Returns whether an entry's platform satisfies this wanted platform: OS and architecture equal,
   * and the variant equal when both name one.
   *
   * @param candidate the platform of an index entry
   * @return whether it matches
   */
  public boolean matches(Platform candidate) {
    return os.equals(candidate.os)
        && architecture.equals(candidate.architecture)
        && (variant.isEmpty() || candidate.variant.isEmpty() || variant.equals(candidate.variant));
  }

  /** Returns {@code os/architecture[/variant]}. */
  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
