package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Digests;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * Issues and verifies the JWTs of Docker's token authentication, signed ES256 (P-256, the JDK's
 * {@code SHA256withECDSAinP1363Format}, which is JWS's r‖s encoding) or RS256. The key is read
 * from PEM with Bouncy Castle, or created at first start. Immutable and thread-safe.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/jwt/">Token authentication
 *     implementation</a>
 */
public final class TokenService {
  private static final JsonMapper JSON = new JsonMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final Duration LEEWAY = Duration.ofSeconds(30);

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String algorithm;
  private final String keyId;
  private final String issuer;
  private final String service;
  private final Duration ttl;
  private final Clock clock;

  /** What a verified token grants: its subject and actions per repository. */
  public record Grant(Optional<String> subject, Map<String, Set<String>> repositories,
      boolean catalog) {
    /** Copies. */
    public Grant {
      repositories = Map.copyOf(repositories);
    }

    /**
     * Whether the token grants an action.
     *
     * @param repository the repository
     * @param action the action
     * @return whether granted
     */
    public boolean allows(String repository, String action) {
      return action.equals("catalog") ? catalog
          : repositories.getOrDefault(repository, Set.of()).contains(action)
              || repositories.getOrDefault(repository, Set.of()).contains("*");
    }
  }

  /** A token that does not verify; the message says why without echoing the token. */
  public static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message);
    }
  }

  /**
   * Uses a key pair.
   *
   * @param keys the signing keys (EC P-256 or RSA)
   * @param issuer the issuer name
   * @param service the service (audience)
   * @param ttl token lifetime
   * @param clock the clock
   */
  public TokenService(KeyPair keys, String issuer, String service, Duration ttl, Clock clock) {
    this.privateKey = keys.getPrivate();
    this.publicKey = keys.getPublic();
    this.algorithm = privateKey instanceof ECPrivateKey ? "ES256" : "RS256";
    // The libtrust-style key id Distribution prints is not needed: the key is ours; a digest will do.
    this.keyId = Digests.sha256(publicKey.getEncoded()).encoded().substring(0, 16);
    this.issuer = issuer;
    this.service = service;
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * The service name, the token audience.
   *
   * @return the service
   */
  public String service() {
    return service;
  }

  /**
   * Reads a PEM key pair, creating one (EC P-256, or RSA 2048) when the file is absent.
   *
   * @param file the PEM file
   * @param rsa whether to create an RSA key
   * @return the key pair
   * @throws IOException when unreadable or not a key
   */
  public static KeyPair loadOrCreate(Path file, boolean rsa) throws IOException {
    if (!Files.exists(file)) {
      KeyPair keys;
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
        if (rsa) {
          g.initialize(2048);
        } else {
          g.initialize(new ECGenParameterSpec("secp256r1"));
        }
        keys = g.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot create a token key: " + e.getMessage(), e);
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer w = Files.newBufferedWriter(temp, UTF_8); JcaPEMWriter pem = new JcaPEMWriter(w)) {
        pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
      }
      Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return keys;
    }
    try (Reader r = Files.newBufferedReader(file, UTF_8); PEMParser parser = new PEMParser(r)) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        o = pair.getPrivateKeyInfo();
      }
      if (o instanceof PrivateKeyInfo info) {
        PrivateKey key = converter.getPrivateKey(info);
        return new KeyPair(publicOf(key), key);
      }
      throw new IOException(file + ": not a PEM private key");
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(file + ": unreadable key: " + e.getMessage(), e);
    }
  }

  static PublicKey publicOf(PrivateKey key) throws GeneralSecurityException, IOException {
    if (key instanceof RSAPrivateCrtKey rsa) {
      return KeyFactory.getInstance("RSA").generatePublic(
          new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    }
    if (key instanceof ECPrivateKey ec) {
      ECNamedCurveParameterSpec p256 = ECNamedCurveTable.getParameterSpec("secp256r1");
      BigInteger d = ec.getS();
      var q = p256.getG().multiply(d).normalize();
      return KeyFactory.getInstance("EC", new BouncyCastleProvider())
          .generatePublic(new ECPublicKeySpec(q, p256));
    }
    throw new IOException("token keys must be EC P-256 or RSA, got " + key.getAlgorithm());
  }

  /**
   * Issues a token.
   *
   * @param subject the user, or empty for anonymous
   * @param access repository → granted actions; the key {@code registry:catalog} grants the catalog
   * @return the compact JWS
   */
  public String issue(Optional<String> subject, Map<String, List<String>> access) {
    Instant now = clock.instant();
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", algorithm)
        .put("kid", keyId);
    ObjectNode claims = JSON.createObjectNode().put("iss", issuer).put("sub", subject.orElse(""))
        .put("aud", service).put("exp", now.plus(ttl).getEpochSecond())
        .put("nbf", now.getEpochSecond() - 1).put("iat", now.getEpochSecond())
        .put("jti", UUID.randomUUID().toString());
    ArrayNode list = claims.putArray("access");
    access.forEach((name, actions) -> {
      boolean catalog = name.equals("registry:catalog");
      ObjectNode a = list.addObject().put("type", catalog ? "registry" : "repository")
          .put("name", catalog ? "catalog" : name);
      actions.forEach(a.putArray("actions")::add);
    });
    try {
      String signingInput = B64.encodeToString(JSON.writeValueAsBytes(header)) + "."
          + B64.encodeToString(JSON.writeValueAsBytes(claims));
      Signature s = signature();
      s.initSign(privateKey);
      s.update(signingInput.getBytes(UTF_8));
      return signingInput + "." + B64.encodeToString(s.sign());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("signing a token failed", e);
    }
  }

  /**
   * The token lifetime.
   *
   * @return the ttl
   */
  public Duration ttl() {
    return ttl;
  }

  /**
   * Verifies a token: algorithm, signature, issuer, audience and validity window.
   *
   * @param token the compact JWS
   * @return what it grants
   * @throws InvalidTokenException when it does not verify
   */
  public Grant verify(String token) throws InvalidTokenException {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new InvalidTokenException("token is not a compact JWS");
    }
    try {
      JsonNode header = JSON.readTree(B64D.decode(parts[0]));
      if (!algorithm.equals(header.path("alg").asText())) {
        throw new InvalidTokenException("token algorithm '" + header.path("alg").asText()
            + "' is not " + algorithm);
      }
      Signature s = signature();
      s.initVerify(publicKey);
      s.update((parts[0] + "." + parts[1]).getBytes(UTF_8));
      if (!s.verify(B64D.decode(parts[2]))) {
        throw new InvalidTokenException("token signature does not verify with this registry's key");
      }
      JsonNode claims = JSON.readTree(B64D.decode(parts[1]));
      long now = clock.instant().getEpochSecond();
      if (!issuer.equals(claims.path("iss").asText())) {
        throw new InvalidTokenException("token issuer is not " + issuer);
      }
      if (!service.equals(claims.path("aud").asText())) {
        throw new InvalidTokenException("token audience is not " + service);
      }
      if (claims.path("exp").asLong(0) + LEEWAY.toSeconds() < now) {
        throw new InvalidTokenException("token expired");
      }
      if (claims.path("nbf").asLong(0) - LEEWAY.toSeconds() > now) {
        throw new InvalidTokenException("token not valid yet");
      }
      Map<String, Set<String>> repositories = new HashMap<>();
      boolean catalog = false;
      for (JsonNode a : claims.path("access")) {
        Set<String> actions = new HashSet<>();
        a.path("actions").forEach(x -> actions.add(x.asText()));
        if (a.path("type").asText().equals("registry") && a.path("name").asText().equals("catalog")) {
          catalog = !actions.isEmpty();
        } else if (a.path("type").asText().equals("repository")) {
          repositories.computeIfAbsent(a.path("name").asText(), k -> new HashSet<>()).addAll(actions);
        }
      }
      String sub = claims.path("sub").asText();
      return new Grant(sub.isEmpty() ? Optional.empty() : Optional.of(sub), repositories, catalog);
    } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
      throw new InvalidTokenException("token is malformed");
    }
  }

  private Signature signature() throws GeneralSecurityException {
    return Signature.getInstance(algorithm.equals("ES256") ? "SHA256withECDSAinP1363Format"
        : "SHA256withRSA");
  }
}
