package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kiln.oci.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * An htpasswd file of bcrypt entries ({@code user:$2y$…}), checked with Bouncy Castle. A password
 * that checked once is remembered by its SHA-256 for the life of the process, because bcrypt is
 * meant to be slow and clients send Basic credentials with every request. Thread-safe.
 */
public final class Passwords {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, String> hashes;
  // Mutable: user → SHA-256 of a password that matched its bcrypt hash.
  private final Map<String, String> verified = new ConcurrentHashMap<>();

  private Passwords(Map<String, String> hashes) {
    this.hashes = Map.copyOf(hashes);
  }

  /**
   * Reads an htpasswd file; only bcrypt entries are accepted.
   *
   * @param file the file
   * @return the passwords
   * @throws IOException when unreadable or an entry is not bcrypt (the message names the line)
   */
  public static Passwords read(Path file) throws IOException {
    Map<String, String> hashes = new HashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, UTF_8)) {
      n++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String hash = colon < 0 ? "" : line.substring(colon + 1).strip();
      if (colon <= 0 || !(hash.startsWith("$2y$") || hash.startsWith("$2a$")
          || hash.startsWith("$2b$"))) {
        throw new IOException(file + ":" + n + ": not a 'user:bcrypt-hash' entry"
            + " (create entries with 'kiln registry htpasswd USER' or 'htpasswd -B')");
      }
      hashes.put(line.substring(0, colon), hash);
    }
    return new Passwords(hashes);
  }

  /**
   * Checks a user's password.
   *
   * @param user the user
   * @param password the password
   * @return whether it matches
   */
  public boolean check(String user, String password) {
    String hash = hashes.get(user);
    if (hash == null) {
      return false;
    }
    String fingerprint = Digests.sha256(password.getBytes(UTF_8)).encoded();
    if (fingerprint.equals(verified.get(user))) {
      return true;
    }
    boolean ok;
    try {
      ok = OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (ok) {
      verified.put(user, fingerprint);
    }
    return ok;
  }

  /**
   * Hashes a password as a {@code $2y$} bcrypt entry of cost 10, as {@code htpasswd -B} does.
   *
   * @param user the user
   * @param password the password
   * @return the htpasswd line without newline
   */
  public static String entry(String user, char[] password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return user + ":" + OpenBSDBCrypt.generate("2y", password, salt, 10);
  }

  /**
   * Whether a user is in the file.
   *
   * @param user the user
   * @return whether known
   */
  public Optional<String> known(String user) {
    return hashes.containsKey(user) ? Optional.of(user) : Optional.empty();
  }
}
