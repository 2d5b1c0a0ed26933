package dev.kiln.build;

import dev.kiln.layer.Compression;
import dev.kiln.oci.Platform;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What to build: the buildfile, the context and every build option. Start from {@link
 * #builder(Path, String, String)}.
 *
 * @param context the build context directory
 * @param buildfileName the buildfile's name, for messages
 * @param buildfileText the buildfile's text
 * @param target the stage to build; empty for the last one
 * @param buildArgs {@code --build-arg} values
 * @param secrets {@code --secret id=…,src=…}: id to file; never written into a layer or a cache key
 * @param network the default network of RUN steps: {@code default} (the host's, as BuildKit's
 *     default), {@code host} or {@code none}
 * @param noCache look nothing up in the build cache
 * @param noCacheFilter stages (by name or index) whose steps are not looked up in the cache
 * @param sourceDateEpoch reproducible mode: layer mtimes clamped and every date set to this
 * @param compression the compression of new layers
 * @param platform the platform of the image
 * @param registry the client base images are pulled with (built on first use)
 */
public record BuildRequest(
    Path context,
    String buildfileName,
    String buildfileText,
    Optional<String> target,
    Map<String, String> buildArgs,
    Map<String, Path> secrets,
    String network,
    boolean noCache,
    Set<String> noCacheFilter,
    OptionalLong sourceDateEpoch,
    Compression compression,
    Platform platform,
    RegistrySource registry) {

  /** Checks and copies. */
  public BuildRequest {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(buildfileName, "buildfileName");
    Objects.requireNonNull(buildfileText, "buildfileText");
    Objects.requireNonNull(target, "target");
    buildArgs = Map.copyOf(buildArgs);
    secrets = Map.copyOf(secrets);
    if (!List.of("default", "host", "none").contains(network)) {
      throw new IllegalArgumentException("network " + network + ": expected default, none or host");
    }
    noCacheFilter = Set.copyOf(noCacheFilter);
    Objects.requireNonNull(sourceDateEpoch, "sourceDateEpoch");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(registry, "registry");
  }

  /**
   * Starts a request with defaults: last stage, no build args or secrets, default network, cache
   * on, not reproducible, gzip, the host's platform.
   *
   * @param context the context directory
   * @param buildfileName the buildfile's name, for messages
   * @param buildfileText the buildfile's text
   * @return a builder
   */
  public static Builder builder(Path context, String buildfileName, String buildfileText) {
    return new Builder(context, buildfileName, buildfileText);
  }

  /** Builds a {@link BuildRequest}; not thread-safe. */
  public static final class Builder {
    private final Path context;
    private final String buildfileName;
    private final String buildfileText;
    private Optional<String> target = Optional.empty();
    private final Map<String, String> buildArgs = new LinkedHashMap<>();
    private final Map<String, Path> secrets = new LinkedHashMap<>();
    private String network = "default";
    private boolean noCache;
    private Set<String> noCacheFilter = Set.of();
    private OptionalLong sourceDateEpoch = OptionalLong.empty();
    private Compression compression = Compression.GZIP;
    private Platform platform = Platform.host();
    private RegistrySource registry = RegistrySource.DEFAULT;

    private Builder(Path context, String buildfileName, String buildfileText) {
      this.context = context;
      this.buildfileName = buildfileName;
      this.buildfileText = buildfileText;
    }

    /** The stage to build. */
    public Builder target(String stage) {
      target = Optional.of(stage);
      return this;
    }

    /** One {@code --build-arg}. */
    public Builder buildArg(String name, String value) {
      buildArgs.put(name, value);
      return this;
    }

    /** One {@code --secret id=…,src=…}. */
    public Builder secret(String id, Path source) {
      secrets.put(id, source);
      return this;
    }

    /** The RUN steps' default network: default, host or none. */
    public Builder network(String mode) {
      network = mode;
      return this;
    }

    /** {@code --no-cache}. */
    public Builder noCache(boolean on) {
      noCache = on;
      return this;
    }

    /** {@code --no-cache-filter}. */
    public Builder noCacheFilter(Set<String> stages) {
      noCacheFilter = stages;
      return this;
    }

    /** Reproducible mode with this SOURCE_DATE_EPOCH (seconds). */
    public Builder sourceDateEpoch(long seconds) {
      sourceDateEpoch = OptionalLong.of(seconds);
      return this;
    }

    /** The compression of new layers. */
    public Builder compression(Compression c) {
      compression = c;
      return this;
    }

    /** The image's platform. */
    public Builder platform(Platform p) {
      platform = p;
      return this;
    }

    /** Where the client base images are pulled with comes from (default anonymous, TLS). */
    public Builder registry(RegistrySource source) {
      registry = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Builds the request. */
    public BuildRequest build() {
      return new BuildRequest(context, buildfileName, buildfileText, target, buildArgs, secrets, network, noCache,
          noCacheFilter, sourceDateEpoch, compression, platform, registry);
    }
  }
}
