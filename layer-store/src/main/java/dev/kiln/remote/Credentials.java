package dev.kiln.remote;

import java.util.Objects;

/**
 * A username and secret for one registry. A username of {@code <token>} (Docker's convention)
 * marks the secret as an identity token (an OAuth2 refresh token) rather than a password.
 *
 * @param username the user name, or {@code <token>}
 * @param secret the password or identity token; never printed ({@link #toString()} hides it)
 */
public record Credentials(String username, String secret) {
  /** The user name Docker's credential helpers use for identity tokens. */
  public static final String IDENTITY_TOKEN_USER = "<token>";

  /** Checks the parts. */
  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(secret, "secret");
  }

  /** Returns whether the secret is an identity (refresh) token. */
  public boolean isIdentityToken() {
    return IDENTITY_TOKEN_USER.equals(username);
  }

  @Override
  public String toString() {
    return "Credentials[" + username + ", ***]";
  }
}
