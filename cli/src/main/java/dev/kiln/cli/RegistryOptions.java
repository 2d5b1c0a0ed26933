package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.remote.AuthConfig;
import dev.kiln.remote.RegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The options every registry command shares: credentials file, plain-HTTP registries, a CA file,
 * parallelism; plus the registries config ({@code $XDG_CONFIG_HOME/kiln/registries.json} or
 * {@code --registries-conf}): {@code {"insecure": ["host:port"], "mirrors": {"docker.io":
 * ["mirror:5000"]}}}.
 */
final class RegistryOptions {
  @Option(names = "--authfile", paramLabel = "FILE",
      description = "Credentials file (Docker config.json format). Default: $REGISTRY_AUTH_FILE, "
          + "else $DOCKER_CONFIG/config.json or ~/.docker/config.json.")
  Path authFile;

  @Option(names = {"--insecure", "--insecure-registry"}, paramLabel = "REGISTRY",
      description = "Speak plain HTTP to this registry (host:port); repeatable. Only named registries.")
  List<String> insecure = new ArrayList<>();

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Also trust the CA certificates (PEM) in FILE.")
  Path caFile;

  @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "" + RegistryClient.DEFAULT_PARALLELISM,
      description = "Blobs transferred in parallel (default ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--registries-conf", paramLabel = "FILE",
      description = "Registries config (insecure registries, mirrors). Default: "
          + "$XDG_CONFIG_HOME/kiln/registries.json.")
  Path registriesConf;

  /** Returns the credentials configuration. */
  AuthConfig auth() {
    return authFile != null ? AuthConfig.at(authFile)
        : AuthConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  // Built on first use, then shared by everything one command does (e.g. a build's FROM pulls
  // and its --push).
  private RegistryClient client;

  /** Returns the registry client these options describe. */
  synchronized RegistryClient client() throws IOException {
    if (client == null) {
      client = build();
    }
    return client;
  }

  private RegistryClient build() throws IOException {
    if (jobs < 1 || jobs > 64) {
      throw new CliException("--jobs must be between 1 and 64, got " + jobs);
    }
    Set<String> plain = new HashSet<>(insecure);
    Map<String, List<String>> mirrors = new HashMap<>();
    Path conf = registriesConf != null ? registriesConf : defaultConf();
    try {
      byte[] bytes = Files.readAllBytes(conf);
      JsonNode json = new ObjectMapper().readTree(bytes);
      json.path("insecure").forEach(n -> plain.add(n.asText()));
      json.path("mirrors").properties().forEach(e -> {
        List<String> list = new ArrayList<>();
        e.getValue().forEach(n -> list.add(n.asText()));
        mirrors.put(e.getKey(), list);
      });
    } catch (NoSuchFileException e) {
      if (registriesConf != null) {
        throw new CliException("registries config " + conf + " does not exist");
      }
    } catch (IOException e) {
      throw new CliException("registries config " + conf + " is not valid JSON: "
          + e.getMessage().lines().findFirst().orElse(""));
    }
    AuthConfig auth = auth();
    RegistryClient.Builder b = RegistryClient.builder().credentials(auth::lookup)
        .insecure(plain).mirrors(mirrors).parallelism(jobs);
    if (caFile != null) {
      b.caFile(caFile);
    }
    return b.build();
  }

  private static Path defaultConf() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("kiln").resolve("registries.json");
  }
}
