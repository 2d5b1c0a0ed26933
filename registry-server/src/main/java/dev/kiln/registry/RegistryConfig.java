package dev.kiln.registry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Everything a registry server is started with. Build one with {@link #builder(Path)}, optionally
 * from a YAML or JSON file ({@link Builder#file(Path)}, format in registry-server/README.md), then
 * override single settings as command-line flags do.
 *
 * @param host the address to listen on
 * @param port the port, 0 for any free one
 * @param root the storage directory
 * @param auth how clients authenticate
 * @param htpasswd the bcrypt password file for Basic and token auth
 * @param accessFile the access rules (users, groups, repository patterns); absent grants every
 *     authenticated user everything
 * @param anonymousPull repository patterns anyone may pull without credentials
 * @param tokenKey the token signing key (PEM; created with ES256 at first start when absent)
 * @param tokenRsa whether a created token key is RSA (RS256) rather than EC (ES256)
 * @param tokenRealm the realm URL in challenges, or empty to derive it from the request
 * @param tokenService the service name tokens are issued for
 * @param tokenIssuer the issuer name in tokens
 * @param tokenTtl how long a token is valid
 * @param tls whether to serve HTTPS
 * @param tlsCert the server certificate chain (PEM), or empty to generate a self-signed CA and
 *     certificate under {@code root/tls} at first start
 * @param tlsKey the server key (PEM) with {@code tlsCert}
 * @param tlsHosts extra host names and addresses the generated certificate is valid for
 * @param readOnly whether every write is refused (UNSUPPORTED, 405); expired uploads are kept too
 * @param deleteEnabled whether manifests, tags and blobs may be deleted
 * @param validateReferences whether manifests must reference only blobs and manifests present
 * @param uploadTtl how long an idle upload is kept before it is deleted
 * @param chunkMinLength the smallest chunk advertised in {@code OCI-Chunk-Min-Length}
 * @param chunkMaxLength the largest chunk advertised in {@code OCI-Chunk-Max-Length}
 * @param accessLog whether each request is logged as a JSON line
 * @param shutdownTimeout how long shutdown waits for requests in flight
 */
public record RegistryConfig(
    String host,
    int port,
    Path root,
    Auth auth,
    Optional<Path> htpasswd,
    Optional<Path> accessFile,
    List<String> anonymousPull,
    Optional<Path> tokenKey,
    boolean tokenRsa,
    Optional<String> tokenRealm,
    String tokenService,
    String tokenIssuer,
    Duration tokenTtl,
    boolean tls,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    List<String> tlsHosts,
    boolean readOnly,
    boolean deleteEnabled,
    boolean validateReferences,
    Duration uploadTtl,
    long chunkMinLength,
    long chunkMaxLength,
    boolean accessLog,
    Duration shutdownTimeout) {

  /** How clients authenticate. */
  public enum Auth {
    /** Everyone may do everything. */
    NONE,
    /** HTTP Basic against the htpasswd file. */
    BASIC,
    /** Docker token auth: Bearer tokens from kiln's own {@code /token} endpoint. */
    TOKEN
  }

  /** Checks and copies. */
  public RegistryConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0-65535");
    }
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(auth, "auth");
    anonymousPull = List.copyOf(anonymousPull);
    tlsHosts = List.copyOf(tlsHosts);
    if (auth != Auth.NONE && htpasswd.isEmpty()) {
      throw new IllegalArgumentException(auth.name().toLowerCase(Locale.ROOT)
          + " auth needs an htpasswd file (--htpasswd)");
    }
    if (tlsCert.isPresent() != tlsKey.isPresent()) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (chunkMinLength < 1 || chunkMaxLength < chunkMinLength) {
      throw new IllegalArgumentException("chunk bounds " + chunkMinLength + ".." + chunkMaxLength
          + " are not 1 <= min <= max");
    }
  }

  /**
   * A builder with the defaults: 127.0.0.1:5000, no auth, plain HTTP, deletion on, references
   * validated, uploads expire after 24 hours.
   *
   * @param root the storage directory
   * @return the builder
   */
  public static Builder builder(Path root) {
    return new Builder(root);
  }

  /** Builds a {@link RegistryConfig}; not thread-safe. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 5000;
    private Path root;
    private Auth auth = Auth.NONE;
    private Optional<Path> htpasswd = Optional.empty();
    private Optional<Path> accessFile = Optional.empty();
    private final List<String> anonymousPull = new ArrayList<>();
    private Optional<Path> tokenKey = Optional.empty();
    private boolean tokenRsa;
    private Optional<String> tokenRealm = Optional.empty();
    private String tokenService = "kiln-registry";
    private String tokenIssuer = "kiln-token-server";
    private Duration tokenTtl = Duration.ofMinutes(5);
    private boolean tls;
    private Optional<Path> tlsCert = Optional.empty();
    private Optional<Path> tlsKey = Optional.empty();
    private final List<String> tlsHosts = new ArrayList<>();
    private boolean readOnly;
    private boolean deleteEnabled = true;
    private boolean validateReferences = true;
    private Duration uploadTtl = Duration.ofHours(24);
    private long chunkMinLength = 1;
    private long chunkMaxLength = 64L * 1024 * 1024;
    private boolean accessLog = true;
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    private Builder(Path root) {
      this.root = Objects.requireNonNull(root, "root");
    }

    /**
     * Applies a config file, YAML or JSON (by extension: {@code .yaml}/{@code .yml} or {@code
     * .json}; otherwise JSON when it starts with <code>{</code>); later builder calls override it.
     * The format is in registry-server/README.md.
     *
     * @param file the file
     * @return this
     * @throws IOException when unreadable, malformed (the message names the file and line), or a
     *     setting is invalid (the message names the file and setting)
     */
    public Builder file(Path file) throws IOException {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new IOException(file + ": no such config file", e);
      }
      boolean yaml = isYaml(file, bytes);
      JsonNode o;
      try {
        ObjectMapper mapper = yaml
            ? YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
            : JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        o = mapper.readTree(bytes);
      } catch (JacksonException e) {
        JsonLocation at = e.getLocation();
        int line = at != null ? at.getLineNr() : -1;
        String why = e.getOriginalMessage();
        // SnakeYAML's message spans lines (context, problem, a copy of the text) and Jackson's
        // location is the context's start: the problem and where it is make the one line.
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
          line = m.getProblemMark().getLine() + 1;
          why = m.getProblem() + (m.getContext() != null ? " (" + m.getContext() + ")" : "");
        }
        why = why.strip().lines().findFirst().orElse("unreadable");
        throw new IOException(file + (line > 0 ? ":" + line : "") + ": malformed "
            + (yaml ? "YAML" : "JSON") + ": " + why, e);
      }
      if (o == null || !o.isObject()) {
        throw new IOException(file + ": the config must be a mapping of settings");
      }
      try {
        Path base = file.toAbsolutePath().getParent();
        if (o.has("addr")) {
          addr(o.get("addr").asText());
        }
        if (o.has("root")) {
          root = base.resolve(o.get("root").asText());
        }
        JsonNode a = o.path("auth");
        if (a.has("mode")) {
          auth = Auth.valueOf(a.get("mode").asText().toUpperCase(Locale.ROOT));
        }
        if (a.has("htpasswd")) {
          htpasswd = Optional.of(base.resolve(a.get("htpasswd").asText()));
        }
        if (a.has("access")) {
          accessFile = Optional.of(base.resolve(a.get("access").asText()));
        }
        a.path("anonymousPull").forEach(p -> anonymousPull.add(p.asText()));
        JsonNode t = a.path("token");
        if (t.has("key")) {
          tokenKey = Optional.of(base.resolve(t.get("key").asText()));
        }
        if (t.has("alg")) {
          tokenAlgorithm(t.get("alg").asText());
        }
        if (t.has("realm")) {
          tokenRealm = Optional.of(t.get("realm").asText());
        }
        if (t.has("service")) {
          tokenService = t.get("service").asText();
        }
        if (t.has("issuer")) {
          tokenIssuer = t.get("issuer").asText();
        }
        if (t.has("ttl")) {
          tokenTtl = duration(t.get("ttl").asText());
        }
        JsonNode s = o.path("tls");
        if (s.has("enabled")) {
          tls = s.get("enabled").asBoolean();
        }
        if (s.has("cert")) {
          tlsCert = Optional.of(base.resolve(s.get("cert").asText()));
          tls = true;
        }
        if (s.has("key")) {
          tlsKey = Optional.of(base.resolve(s.get("key").asText()));
        }
        s.path("hosts").forEach(h -> tlsHosts.add(h.asText()));
        if (o.has("readOnly")) {
          readOnly = o.get("readOnly").asBoolean();
        }
        if (o.has("delete")) {
          deleteEnabled = o.get("delete").asBoolean();
        }
        if (o.has("validateReferences")) {
          validateReferences = o.get("validateReferences").asBoolean();
        }
        if (o.has("uploadTtl")) {
          uploadTtl = duration(o.get("uploadTtl").asText());
        }
        if (o.has("chunkMinLength")) {
          chunkMinLength = o.get("chunkMinLength").asLong();
        }
        if (o.has("chunkMaxLength")) {
          chunkMaxLength = o.get("chunkMaxLength").asLong();
        }
        if (o.has("accessLog")) {
          accessLog = o.get("accessLog").asBoolean();
        }
        return this;
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": " + e.getMessage(), e);
      }
    }

    // By extension; without a known one, JSON when the text opens with '{', else YAML.
    private static boolean isYaml(Path file, byte[] bytes) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        return true;
      }
      if (name.endsWith(".json")) {
        return false;
      }
      String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).stripLeading();
      return !text.startsWith("{");
    }

    /**
     * Parses a duration such as {@code 90s}, {@code 15m}, {@code 24h}, {@code 7d} or ISO-8601.
     *
     * @param text the duration
     * @return it
     * @throws IllegalArgumentException when malformed
     */
    public static Duration duration(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT);
      try {
        if (t.startsWith("p")) {
          return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> throw new IllegalArgumentException("unit");
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("duration '" + text + "' is not like 90s, 15m, 24h or 7d");
      }
    }

    /**
     * Sets {@code host:port}; {@code [::1]:5000} for IPv6.
     *
     * @param addr the address
     * @return this
     */
    public Builder addr(String addr) {
      int colon = addr.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("address '" + addr + "' is not host:port");
      }
      String h = addr.substring(0, colon);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      try {
        port(Integer.parseInt(addr.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("address '" + addr + "' has no numeric port");
      }
      host = h;
      return this;
    }

    /** @param v the host to listen on @return this */
    public Builder host(String v) {
      host = v;
      return this;
    }

    /** @param v the port, 0 for any free one @return this */
    public Builder port(int v) {
      port = v;
      return this;
    }

    /** @param v the storage directory @return this */
    public Builder root(Path v) {
      root = v;
      return this;
    }

    /** @param v the auth mode @return this */
    public Builder auth(Auth v) {
      auth = v;
      return this;
    }

    /** @param v the htpasswd file; also switches auth from none to basic @return this */
    public Builder htpasswd(Path v) {
      htpasswd = Optional.of(v);
      if (auth == Auth.NONE) {
        auth = Auth.BASIC;
      }
      return this;
    }

    /** @param v the access rules file @return this */
    public Builder accessFile(Path v) {
      accessFile = Optional.of(v);
      return this;
    }

    /** @param v a repository pattern anyone may pull @return this */
    public Builder anonymousPull(String v) {
      anonymousPull.add(v);
      return this;
    }

    /** @param v the token signing key; also switches auth to token @return this */
    public Builder tokenKey(Path v) {
      tokenKey = Optional.of(v);
      auth = Auth.TOKEN;
      return this;
    }

    /** @param v ES256 or RS256, for a key created at first start @return this */
    public Builder tokenAlgorithm(String v) {
      tokenRsa = switch (v.toUpperCase(Locale.ROOT)) {
        case "ES256" -> false;
        case "RS256" -> true;
        default -> throw new IllegalArgumentException("token algorithm '" + v
            + "' is not ES256 or RS256");
      };
      return this;
    }

    /** @param v the realm URL in challenges @return this */
    public Builder tokenRealm(String v) {
      tokenRealm = Optional.of(v);
      return this;
    }

    /** @param v the token service name @return this */
    public Builder tokenService(String v) {
      tokenService = v;
      return this;
    }

    /** @param v the token issuer @return this */
    public Builder tokenIssuer(String v) {
      tokenIssuer = v;
      return this;
    }

    /** @param v the token lifetime @return this */
    public Builder tokenTtl(Duration v) {
      tokenTtl = v;
      return this;
    }

    /** @param v whether to serve HTTPS @return this */
    public Builder tls(boolean v) {
      tls = v;
      return this;
    }

    /** @param cert the certificate chain @param key its key @return this */
    public Builder tlsCertificate(Path cert, Path key) {
      tlsCert = Optional.of(cert);
      tlsKey = Optional.of(key);
      tls = true;
      return this;
    }

    /** @param v a host the generated certificate also covers @return this */
    public Builder tlsHost(String v) {
      tlsHosts.add(v);
      return this;
    }

    /** @param v read-only mode @return this */
    public Builder readOnly(boolean v) {
      readOnly = v;
      return this;
    }

    /** @param v whether deletion is allowed @return this */
    public Builder deleteEnabled(boolean v) {
      deleteEnabled = v;
      return this;
    }

    /** @param v whether manifest references are checked @return this */
    public Builder validateReferences(boolean v) {
      validateReferences = v;
      return this;
    }

    /** @param v how long idle uploads are kept @return this */
    public Builder uploadTtl(Duration v) {
      uploadTtl = v;
      return this;
    }

    /** @param min the smallest chunk @param max the largest chunk @return this */
    public Builder chunkBounds(long min, long max) {
      chunkMinLength = min;
      chunkMaxLength = max;
      return this;
    }

    /** @param v whether requests are logged @return this */
    public Builder accessLog(boolean v) {
      accessLog = v;
      return this;
    }

    /** @param v how long shutdown waits @return this */
    public Builder shutdownTimeout(Duration v) {
      shutdownTimeout = v;
      return this;
    }

    /**
     * Builds the config.
     *
     * @return it
     * @throws IllegalArgumentException when settings contradict each other
     */
    public RegistryConfig build() {
      return new RegistryConfig(host, port, root, auth, htpasswd, accessFile, anonymousPull,
          tokenKey, tokenRsa, tokenRealm, tokenService, tokenIssuer, tokenTtl, tls, tlsCert, tlsKey,
          tlsHosts, readOnly, deleteEnabled, validateReferences, uploadTtl, chunkMinLength,
          chunkMaxLength, accessLog, shutdownTimeout);
    }
  }
}
