package dev.kiln.registry;

import dev.kiln.registry.internal.Passwords;
import java.util.regex.Pattern;

/** Creates htpasswd entries in the bcrypt form the registry's Basic and token auth read. */
public final class Htpasswd {
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,128}");

  private Htpasswd() {}

  /**
   * Hashes a password as a {@code $2y$} bcrypt line of cost 10, like {@code htpasswd -B}.
   *
   * @param user the user name: letters, digits, {@code . _ @ -}
   * @param password the password; the caller wipes it after
   * @return the line, without newline
   * @throws IllegalArgumentException when the user name is not allowed or the password is empty
   */
  public static String entry(String user, char[] password) {
    if (!USER.matcher(user).matches()) {
      throw new IllegalArgumentException("user name '" + user
          + "' must be 1-128 of letters, digits, '.', '_', '@' or '-'");
    }
    if (password.length == 0) {
      throw new IllegalArgumentException("the password for " + user + " is empty");
    }
    return Passwords.entry(user, password);
  }
}
