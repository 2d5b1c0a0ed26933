package dev.kiln.oci;

import dev.kiln.oci.internal.ModelJson;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image config: the platform, the execution parameters, the layers' diff IDs and the history.
 * Absent text is "" and absent collections are empty, as Go's {@code omitempty} writes them.
 *
 * @param created when the image was created
 * @param author the author
 * @param architecture the CPU architecture, e.g. {@code amd64}
 * @param os the operating system, e.g. {@code linux}
 * @param osVersion the OS version, or ""
 * @param osFeatures required OS features
 * @param variant the CPU variant, or ""
 * @param config the execution parameters
 * @param rootfs the layers' diff IDs
 * @param history one entry per build step, empty layers included
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md">image-spec v1.1.0,
 *     config</a>
 */
public record ImageConfig(
    Optional<Instant> created,
    String author,
    String architecture,
    String os,
    String osVersion,
    List<String> osFeatures,
    String variant,
    ContainerConfig config,
    RootFs rootfs,
    List<History> history) {

  /** Checks and copies. */
  public ImageConfig {
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(osVersion, "osVersion");
    osFeatures = List.copyOf(osFeatures);
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(rootfs, "rootfs");
    history = List.copyOf(history);
  }

  /**
   * Returns an empty config for a platform: no layers, no history, default execution parameters.
   *
   * @param platform the platform
   * @return the config
   */
  public static ImageConfig of(Platform platform) {
    return new ImageConfig(Optional.empty(), "", platform.architecture(), platform.os(),
        platform.osVersion(), platform.osFeatures(), platform.variant(), ContainerConfig.EMPTY,
        new RootFs("layers", List.of()), List.of());
  }

  /**
   * Parses a config blob.
   *
   * @param bytes the config JSON
   * @return the config
   * @throws ManifestInvalidException when it is malformed
   */
  public static ImageConfig parse(byte[] bytes) throws ManifestInvalidException {
    return ModelJson.readConfig(bytes);
  }

  /** Returns the canonical JSON of this config (fields in spec order, map keys sorted). */
  public byte[] toJson() {
    return ModelJson.writeConfig(this);
  }

  /** Returns the config's platform. */
  public Platform platform() {
    return new Platform(architecture, os, osVersion, osFeatures, variant, List.of());
  }

  /**
   * Returns this config with other execution parameters.
   *
   * @param newConfig the execution parameters
   * @return the new config
   */
  public ImageConfig withConfig(ContainerConfig newConfig) {
    return new ImageConfig(
        created, author, architecture, os, osVersion, osFeatures, variant, newConfig, rootfs, history);
  }

  /**
   * Returns this config with other diff IDs and history.
   *
   * @param newRootfs the diff IDs
   * @param newHistory the history
   * @return the new config
   */
  public ImageConfig withLayers(RootFs newRootfs, List<History> newHistory) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config,
        newRootfs, newHistory);
  }

  /**
   * Returns this config with a creation time.
   *
   * @param newCreated the creation time
   * @return the new config
   */
  public ImageConfig withCreated(Instant newCreated) {
    return new ImageConfig(Optional.of(newCreated), author, architecture, os, osVersion, osFeatures,
        variant, config, rootfs, history);
  }

  /**
   * The execution parameters a container of the image starts with ({@code config} in the JSON).
   *
   * @param user the user[:group]
   * @param exposedPorts ports as {@code port/proto}
   * @param env {@code NAME=value} entries, in order
   * @param entrypoint the entrypoint argv
   * @param cmd the command argv (or the entrypoint's default arguments)
   * @param volumes volume mount points
   * @param workingDir the working directory
   * @param labels labels
   * @param stopSignal the stop signal, e.g. {@code SIGTERM}
   * @param argsEscaped Windows-only flag Docker writes (deprecated in the spec)
   * @param healthcheck the health check (Docker extension)
   * @param shell the shell for shell-form commands (Docker extension)
   * @param onBuild ONBUILD triggers (Docker extension)
   */
  public record ContainerConfig(
      String user,
      List<String> exposedPorts,
      List<String> env,
      List<String> entrypoint,
      List<String> cmd,
      List<String> volumes,
      String workingDir,
      Map<String, String> labels,
      String stopSignal,
      boolean argsEscaped,
      Optional<Healthcheck> healthcheck,
      List<String> shell,
      List<String> onBuild) {

    /** No parameters at all. */
    public static final ContainerConfig EMPTY = new ContainerConfig("", List.of(), List.of(),
        List.of(), List.of(), List.of(), "", Map.of(), "", false, Optional.empty(), List.of(),
        List.of());

    /** Checks and copies. */
    public ContainerConfig {
      Objects.requireNonNull(user, "user");
      exposedPorts = List.copyOf(exposedPorts);
      env = List.copyOf(env);
      entrypoint = List.copyOf(entrypoint);
      cmd = List.copyOf(cmd);
      volumes = List.copyOf(volumes);
      Objects.requireNonNull(workingDir, "workingDir");
      labels = Map.copyOf(labels);
      Objects.requireNonNull(stopSignal, "stopSignal");
      Objects.requireNonNull(healthcheck, "healthcheck");
      shell = List.copyOf(shell);
      onBuild = List.copyOf(onBuild);
    }
  }

  /**
   * The health check of Docker's config extension. Durations are zero when unset.
   *
   * @param test the test, e.g. {@code ["CMD-SHELL", "curl -f localhost"]} or {@code ["NONE"]}
   * @param interval time between checks
   * @param timeout time a check may take
   * @param startPeriod grace period after start
   * @param startInterval time between checks during the start period
   * @param retries consecutive failures before unhealthy
   */
  public record Healthcheck(List<String> test, Duration interval, Duration timeout,
      Duration startPeriod, Duration startInterval, int retries) {
    /** Checks and copies. */
    public Healthcheck {
      test = List.copyOf(test);
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(startPeriod, "startPeriod");
      Objects.requireNonNull(startInterval, "startInterval");
    }
  }

  /**
   * The layers' uncompressed digests, base first.
   *
   * @param type always {@code layers}
   * @param diffIds the diff IDs
   */
  public record RootFs(String type, List<Digest> diffIds) {
    /** Checks and copies. */
    public RootFs {
      Objects.requireNonNull(type, "type");
      diffIds = List.copyOf(diffIds);
    }
  }

  /**
   * One build step.
   *
   * @param created when the step ran
   * @param author who ran it
   * @param createdBy the command, e.g. {@code /bin/sh -c apk add curl}
   * @param comment a comment
   * @param emptyLayer whether the step made no layer
   */
  public record History(
      Optional<Instant> created, String author, String createdBy, String comment, boolean emptyLayer) {
    /** Checks. */
    public History {
      Objects.requireNonNull(created, "created");
      Objects.requireNonNull(author, "author");
      Objects.requireNonNull(createdBy, "createdBy");
      Objects.requireNonNull(comment, "comment");
    }
  }
}
