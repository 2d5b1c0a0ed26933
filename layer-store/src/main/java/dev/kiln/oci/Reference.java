package dev.kiln.oci;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference: registry, repository, and a tag, a digest or both. Parsed with the Docker
 * reference grammar (distribution/reference): a registry host with optional port, slash-separated
 * lowercase path components, {@code :tag} and {@code @digest}. Defaults (Docker Hub, its
 * {@code library/} namespace, the {@code latest} tag) are applied only by {@link #parse(String,
 * Defaults)}.
 *
 * @param registry the registry host, with port if any, e.g. {@code docker.io}, {@code 127.0.0.1:5000}
 * @param repository the repository path, e.g. {@code library/busybox}
 * @param tag the tag, if given or defaulted
 * @param digest the digest, if given
 * @see <a href="https://github.com/distribution/reference/blob/v0.6.0/reference.go">the grammar</a>
 */
public record Reference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
  /** The longest name (registry/repository) allowed. */
  public static final int MAX_NAME_LENGTH = 255;

  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*";
  private static final Pattern REPOSITORY =
      Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  /**
   * How to complete a short reference.
   *
   * @param registry the registry when the text names none, e.g. {@code docker.io}
   * @param officialNamespace the namespace a one-component repository on that registry gets, e.g.
   *     {@code library}; "" for none
   * @param tag the tag when the text names neither tag nor digest, e.g. {@code latest}
   */
  public record Defaults(String registry, String officialNamespace, String tag) {
    /** Docker's rules: {@code busybox} → {@code docker.io/library/busybox:latest}. */
    public static final Defaults DOCKER_HUB = new Defaults("docker.io", "library", "latest");

    /** Validates the parts. */
    public Defaults {
      if (!DOMAIN.matcher(registry).matches()) {
        throw new IllegalArgumentException("invalid default registry " + registry);
      }
      Objects.requireNonNull(officialNamespace, "officialNamespace");
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid default tag " + tag);
      }
    }
  }

  /**
   * Checks the parts.
   *
   * @throws OciFormatException for an invalid part
   */
  public Reference {
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(digest, "digest");
    String text = registry + "/" + repository + tag.map(t -> ":" + t).orElse("")
        + digest.map(d -> "@" + d).orElse("");
    checkRegistry(text, registry);
    checkRepository(text, repository);
    tag.ifPresent(t -> checkTag(text, t));
    if ((registry + "/" + repository).length() > MAX_NAME_LENGTH) {
      throw invalid(ErrorCode.NAME_INVALID, text, "name longer than " + MAX_NAME_LENGTH + " characters");
    }
  }

  /**
   * Parses a reference, completing it with defaults.
   *
   * @param text e.g. {@code busybox}, {@code 127.0.0.1:5000/team/app:1.0},
   *     {@code quay.io/x/y@sha256:…}
   * @param defaults how to complete a short reference, e.g. {@link Defaults#DOCKER_HUB}
   * @return the reference
   * @throws OciFormatException {@link ErrorCode#NAME_INVALID}, {@link ErrorCode#TAG_INVALID} or
   *     {@link ErrorCode#DIGEST_INVALID}, naming the part that is wrong
   */
  public static Reference parse(String text, Defaults defaults) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw invalid(ErrorCode.NAME_INVALID, text, "empty reference");
    }
    String rest = text;
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      try {
        digest = Optional.of(Digest.parse(d));
      } catch (OciFormatException e) {
        throw invalid(ErrorCode.DIGEST_INVALID, text, "digest part: " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    Optional<String> tag = Optional.empty();
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      String t = rest.substring(colon + 1);
      checkTag(text, t);
      tag = Optional.of(t);
      rest = rest.substring(0, colon);
    }
    if (rest.isEmpty()) {
      throw invalid(ErrorCode.NAME_INVALID, text, "missing repository name");
    }
    String registry;
    String repository;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? "" : rest.substring(0, slash);
    // Docker's rule: the first component is a registry when it has a '.' or ':', is "localhost",
    // or has uppercase letters (repositories never do).
    if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost")
        || !first.toLowerCase(Locale.ROOT).equals(first) || first.startsWith("["))) {
      registry = first;
      repository = rest.substring(slash + 1);
    } else {
      registry = defaults.registry();
      repository = rest;
    }
    if (registry.equals("index.docker.io")) {
      registry = "docker.io";
    }
    checkRegistry(text, registry);
    checkRepository(text, repository);
    if (registry.equals(defaults.registry()) && !defaults.officialNamespace().isEmpty()
        && repository.indexOf('/') < 0) {
      repository = defaults.officialNamespace() + "/" + repository;
    }
    if (tag.isEmpty() && digest.isEmpty()) {
      tag = Optional.of(defaults.tag());
    }
    return new Reference(registry, repository, tag, digest);
  }

  /**
   * Checks a repository name as a registry receives it in a URL path ({@code team/app}).
   *
   * @param repository the repository name
   * @return the same name
   * @throws OciFormatException ({@link ErrorCode#NAME_INVALID}) when it breaks the grammar
   */
  public static String checkRepository(String repository) {
    checkRepository(repository, repository);
    if (repository.length() > MAX_NAME_LENGTH) {
      throw invalid(ErrorCode.NAME_INVALID, repository, "name longer than " + MAX_NAME_LENGTH);
    }
    return repository;
  }

  /**
   * Checks a tag.
   *
   * @param tag the tag
   * @return the same tag
   * @throws OciFormatException ({@link ErrorCode#TAG_INVALID}) when it breaks the grammar
   */
  public static String checkTag(String tag) {
    checkTag(tag, tag);
    return tag;
  }

  private static void checkRegistry(String text, String registry) {
    if (!DOMAIN.matcher(registry).matches()) {
      throw invalid(ErrorCode.NAME_INVALID, text, "registry '" + registry + "' is not a host[:port]");
    }
  }

  private static void checkRepository(String text, String repository) {
    if (repository.isEmpty()) {
      throw invalid(ErrorCode.NAME_INVALID, text, "missing repository name");
    }
    if (!repository.toLowerCase(Locale.ROOT).equals(repository)) {
      throw invalid(ErrorCode.NAME_INVALID, text, "repository '" + repository + "' must be lowercase");
    }
    if (!REPOSITORY.matcher(repository).matches()) {
      throw invalid(ErrorCode.NAME_INVALID, text, "repository '" + repository
          + "' must be path components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'");
    }
  }

  private static void checkTag(String text, String tag) {
    if (!TAG.matcher(tag).matches()) {
      throw invalid(ErrorCode.TAG_INVALID, text, "tag '" + tag
          + "' must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
    }
  }

  private static OciFormatException invalid(ErrorCode code, String text, String why) {
    return new OciFormatException(code, "invalid reference '" + text + "': " + why);
  }

  /** Returns {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  /**
   * Returns this reference with a tag.
   *
   * @param newTag the tag
   * @return the new reference
   */
  public Reference withTag(String newTag) {
    return new Reference(registry, repository, Optional.of(newTag), digest);
  }

  /**
   * Returns this reference with a digest.
   *
   * @param newDigest the digest
   * @return the new reference
   */
  public Reference withDigest(Digest newDigest) {
    return new Reference(registry, repository, tag, Optional.of(newDigest));
  }

  /** Returns {@code registry/repository[:tag][@digest]}, the canonical text. */
  @Override
  public String toString() {
    return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
  }
}
