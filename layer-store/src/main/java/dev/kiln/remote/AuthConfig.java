package dev.kiln.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Registry credentials in Docker's {@code config.json} format, shared with docker, podman, skopeo
 * and buildah: {@code auths} entries with a base64 {@code auth} (or {@code identitytoken}), and
 * {@code credsStore}/{@code credHelpers} naming {@code docker-credential-*} helper programs.
 *
 * <p>Files read, first hit wins: {@code $REGISTRY_AUTH_FILE} (else podman's
 * {@code $XDG_RUNTIME_DIR/containers/auth.json}), then {@code $DOCKER_CONFIG/config.json} (else
 * {@code ~/.docker/config.json}). Logins are written to {@code $REGISTRY_AUTH_FILE} when set, else
 * to the Docker config. Other content of the files is kept. Thread-safe for reading; writes are
 * atomic (temp file and rename, mode 0600).
 *
 * @see <a href="https://github.com/containers/image/blob/v5.32.0/docs/containers-auth.json.5.md">containers-auth.json(5)</a>
 * @see <a href="https://github.com/docker/docker-credential-helpers/blob/v0.8.2/README.md">the helper protocol</a>
 */
public final class AuthConfig {
  private static final System.Logger LOG = System.getLogger(AuthConfig.class.getName());
  private static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
  private static final long HELPER_TIMEOUT_SECONDS = 30;

  private final List<Path> readPaths;
  private final Path writePath;
  // The PATH docker-credential-* helpers are looked up in.
  private final String path;

  private AuthConfig(List<Path> readPaths, Path writePath, String path) {
    this.readPaths = List.copyOf(readPaths);
    this.writePath = writePath;
    this.path = path;
  }

  /**
   * Finds the files as docker and podman do, from an environment; credential helpers are looked up
   * on its {@code PATH}.
   *
   * @param env the environment (e.g. {@code System.getenv()})
   * @param home the user's home directory
   * @return the configuration
   */
  public static AuthConfig fromEnvironment(Map<String, String> env, Path home) {
    List<Path> read = new ArrayList<>();
    String authFile = env.getOrDefault("REGISTRY_AUTH_FILE", "");
    String runtime = env.getOrDefault("XDG_RUNTIME_DIR", "");
    if (!authFile.isEmpty()) {
      read.add(Path.of(authFile));
    } else if (!runtime.isEmpty()) {
      read.add(Path.of(runtime, "containers", "auth.json"));
    }
    String dockerConfig = env.getOrDefault("DOCKER_CONFIG", "");
    Path docker = dockerConfig.isEmpty() ? home.resolve(".docker").resolve("config.json")
        : Path.of(dockerConfig, "config.json");
    read.add(docker);
    return new AuthConfig(read, authFile.isEmpty() ? docker : Path.of(authFile),
        env.getOrDefault("PATH", ""));
  }

  /**
   * Uses one file for reading and writing.
   *
   * @param file a config.json or auth.json
   * @return the configuration
   */
  public static AuthConfig at(Path file) {
    return new AuthConfig(List.of(file), file, System.getenv().getOrDefault("PATH", ""));
  }

  /** Returns the file logins are written to. */
  public Path path() {
    return writePath;
  }

  /**
   * Finds a registry's credentials. Never throws: an unreadable file or failing helper is logged
   * and counts as no credentials (the registry then answers 401, and the message says to log in).
   *
   * @param registry host[:port]
   * @return the credentials, or empty for anonymous access
   */
  public Optional<Credentials> lookup(String registry) {
    for (Path p : readPaths) {
      try {
        Optional<ObjectNode> file = read(p);
        if (file.isEmpty()) {
          continue;
        }
        Optional<String> helper = helperFor(file.get(), registry);
        if (helper.isPresent()) {
          Optional<Credentials> c = helperGet(helper.get(), serverUrl(registry));
          if (c.isPresent()) {
            return c;
          }
        }
        Optional<JsonNode> entry = entry(file.get(), registry);
        if (entry.isPresent()) {
          Optional<Credentials> c = decode(entry.get(), p);
          if (c.isPresent()) {
            return c;
          }
        }
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "ignoring credentials in {0}: {1}", p, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Stores a login: through the credential helper the written file names for the registry, else as
   * a base64 {@code auth} entry.
   *
   * @param registry host[:port]
   * @param creds the credentials
   * @return where they went, for the user ("file …" or "helper …")
   * @throws IOException when the file or helper cannot be written
   */
  public String save(String registry, Credentials creds) throws IOException {
    ObjectNode file = read(writePath).orElseGet(Json::object);
    ObjectNode auths = file.has("auths") && file.get("auths").isObject()
        ? (ObjectNode) file.get("auths") : file.putObject("auths");
    removeKeys(auths, registry);
    Optional<String> helper = helperFor(file, registry);
    String where;
    if (helper.isPresent()) {
      ObjectNode in = Json.object();
      in.put("ServerURL", serverUrl(registry));
      in.put("Username", creds.username());
      in.put("Secret", creds.secret());
      runHelper(helper.get(), "store", Json.write(in));
      auths.putObject(key(registry));
      where = "credential helper docker-credential-" + helper.get();
    } else {
      ObjectNode e = auths.putObject(key(registry));
      if (creds.isIdentityToken()) {
        e.put("identitytoken", creds.secret());
      } else {
        e.put("auth", Base64.getEncoder().encodeToString(
            (creds.username() + ":" + creds.secret()).getBytes(StandardCharsets.UTF_8)));
      }
      where = "file " + writePath;
    }
    write(file);
    return where;
  }

  /**
   * Removes a login from the written file (and its credential helper).
   *
   * @param registry host[:port]
   * @return whether there was one
   * @throws IOException when the file cannot be written
   */
  public boolean erase(String registry) throws IOException {
    Optional<ObjectNode> file = read(writePath);
    if (file.isEmpty()) {
      return false;
    }
    boolean removed = false;
    Optional<String> helper = helperFor(file.get(), registry);
    if (helper.isPresent()) {
      try {
        runHelper(helper.get(), "erase", (serverUrl(registry) + "\n").getBytes(StandardCharsets.UTF_8));
        removed = true;
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "helper erase: {0}", e.getMessage());
      }
    }
    if (file.get().get("auths") instanceof ObjectNode auths) {
      removed |= removeKeys(auths, registry);
    }
    if (removed) {
      write(file.get());
    }
    return removed;
  }

  // ------------------------------------------------------------------ file format

  private static Optional<ObjectNode> read(Path p) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (bytes.length == 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.readObject(bytes));
    } catch (Json.ShapeException e) {
      throw new IOException("auth file " + p + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  private void write(ObjectNode file) throws IOException {
    Path dir = writePath.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".auth", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(file));
      try {
        Files.move(tmp, writePath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, writePath, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The key kiln writes: the bare host, except Docker Hub's historical URL. */
  private static String key(String registry) {
    return registry.equals("docker.io") ? DOCKER_HUB_KEY : registry;
  }

  private static String serverUrl(String registry) {
    return registry.equals("docker.io") ? DOCKER_HUB_KEY : registry;
  }

  /** Returns the host a key names: {@code https://host/v1/} → {@code host}; a namespaced key → empty. */
  private static Optional<String> hostOfKey(String key) {
    String k = key;
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
    }
    int slash = k.indexOf('/');
    if (slash >= 0) {
      String path = k.substring(slash);
      if (!path.equals("/") && !path.startsWith("/v1") && !path.startsWith("/v2")) {
        return Optional.empty();
      }
      k = k.substring(0, slash);
    }
    if (k.equals("index.docker.io") || k.equals("registry-1.docker.io")) {
      k = "docker.io";
    }
    return Optional.of(k);
  }

  private static Optional<JsonNode> entry(ObjectNode file, String registry) {
    JsonNode auths = file.path("auths");
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (hostOfKey(e.getKey()).filter(registry::equals).isPresent()) {
        return Optional.of(e.getValue());
      }
    }
    return Optional.empty();
  }

  private static boolean removeKeys(ObjectNode auths, String registry) {
    List<String> keys = new ArrayList<>();
    auths.fieldNames().forEachRemaining(k -> {
      if (hostOfKey(k).filter(registry::equals).isPresent()) {
        keys.add(k);
      }
    });
    keys.forEach(auths::remove);
    return !keys.isEmpty();
  }

  private static Optional<Credentials> decode(JsonNode e, Path p) throws IOException {
    String token = e.path("identitytoken").asText("");
    if (!token.isEmpty()) {
      return Optional.of(new Credentials(Credentials.IDENTITY_TOKEN_USER, token));
    }
    String auth = e.path("auth").asText("");
    if (!auth.isEmpty()) {
      String plain;
      try {
        plain = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException x) {
        throw new IOException("auth file " + p + ": an \"auth\" value is not base64");
      }
      int colon = plain.indexOf(':');
      if (colon < 0) {
        throw new IOException("auth file " + p + ": an \"auth\" value is not user:password");
      }
      return Optional.of(new Credentials(plain.substring(0, colon), plain.substring(colon + 1)));
    }
    String user = e.path("username").asText("");
    if (!user.isEmpty()) {
      return Optional.of(new Credentials(user, e.path("password").asText("")));
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ credential helpers

  private static Optional<String> helperFor(ObjectNode file, String registry) {
    JsonNode helpers = file.path("credHelpers");
    for (Iterator<Map.Entry<String, JsonNode>> it = helpers.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (hostOfKey(e.getKey()).filter(registry::equals).isPresent() && !e.getValue().asText("").isEmpty()) {
        return Optional.of(e.getValue().asText());
      }
    }
    String store = file.path("credsStore").asText("");
    return store.isEmpty() ? Optional.empty() : Optional.of(store);
  }

  private Optional<Credentials> helperGet(String helper, String serverUrl) throws IOException {
    byte[] out;
    try {
      out = runHelper(helper, "get", (serverUrl + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "helper {0} has nothing for {1}: {2}", helper, serverUrl, e.getMessage());
      return Optional.empty();
    }
    ObjectNode json;
    try {
      json = Json.readObject(out);
    } catch (Json.ShapeException e) {
      throw new IOException("credential helper docker-credential-" + helper + " answered non-JSON");
    }
    String user = json.path("Username").asText("");
    String secret = json.path("Secret").asText("");
    return secret.isEmpty() ? Optional.empty() : Optional.of(new Credentials(user, secret));
  }

  private byte[] runHelper(String helper, String action, byte[] input) throws IOException {
    String program = "docker-credential-" + helper;
    Optional<Path> exe = Arrays.stream(path.split(":")).filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    if (exe.isEmpty() || helper.contains("/")) {
      throw new IOException("credential helper " + program + " is not installed (named by the "
          + "auth file's credsStore/credHelpers; looked for on PATH)");
    }
    Process p = new ProcessBuilder(exe.get().toString(), action).redirectErrorStream(true).start();
    try (OutputStream o = p.getOutputStream()) {
      o.write(input);
    }
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readNBytes(64 * 1024);
    }
    try {
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(program + " " + action + " did not finish in " + HELPER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(program + " interrupted");
    }
    if (p.exitValue() != 0) {
      String msg = new String(out, StandardCharsets.UTF_8).strip();
      throw new IOException(program + " " + action + " failed: "
          + (msg.length() > 200 ? msg.substring(0, 200) : msg));
    }
    return out;
  }
}
