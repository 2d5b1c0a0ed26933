package dev.kiln.cli;

import dev.kiln.remote.Credentials;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln login}: checks credentials against a registry and stores them in the Docker-format
 * auth file (or its credential helper), where docker, podman and skopeo find them too.
 */
@Command(name = "login", description = "Log in to a registry; the login is shared with docker, "
    + "podman and skopeo through the auth file.")
public final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name.")
  String username;

  @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
      description = "Password (visible to other users of this machine: prefer --password-stdin).")
  String password;

  @Option(names = "--password-stdin", description = "Read the password from stdin.")
  boolean passwordStdin;

  @Parameters(paramLabel = "REGISTRY", description = "host[:port], e.g. registry.example.com")
  String server;

  @Override
  public Integer call() throws Exception {
    String host = normalize(server);
    Console console = System.console();
    if (username == null) {
      if (console == null || passwordStdin) {
        throw new CliException("no user name for " + host + ": pass -u USER");
      }
      username = console.readLine("Username: ");
    }
    String secret;
    if (passwordStdin) {
      if (password != null) {
        throw new CliException("use either --password or --password-stdin, not both");
      }
      secret = readStdin();
    } else if (password != null) {
      secret = password;
    } else if (console != null) {
      char[] p = console.readPassword("Password: ");
      secret = p == null ? "" : new String(p);
    } else {
      throw new CliException("no password for " + host + ": use --password-stdin");
    }
    if (username.isEmpty() || secret.isEmpty()) {
      throw new CliException("user name and password for " + host + " must not be empty");
    }
    Credentials creds = new Credentials(username, secret);
    registry.client().login(host, creds);
    String where = registry.auth().save(host, creds);
    spec.commandLine().getOut().println("Login Succeeded (saved in " + where + ")");
    return 0;
  }

  /** Accepts what users paste: {@code https://host/}, {@code index.docker.io}. */
  static String normalize(String server) {
    String s = server.strip();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    if (s.equals("index.docker.io") || s.equals("registry-1.docker.io")) {
      s = "docker.io";
    }
    if (s.isEmpty()) {
      throw new CliException("invalid registry '" + server + "': use host[:port]");
    }
    return s;
  }

  private static String readStdin() throws IOException {
    InputStream in = System.in;
    String s = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    // Pipes usually end with a newline that is not part of the password.
    return s.endsWith("\r\n") ? s.substring(0, s.length() - 2)
        : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
