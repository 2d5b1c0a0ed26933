package dev.kiln.cli;

import dev.kiln.registry.GarbageCollector;
import dev.kiln.registry.Htpasswd;
import dev.kiln.registry.RegistryConfig;
import dev.kiln.registry.RegistryServer;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln registry serve|gc|htpasswd}: run and maintain kiln's OCI registry. */
@Command(
    name = "registry",
    description = "Run and maintain an OCI Distribution registry.",
    subcommands = {
      RegistryCommand.Serve.class,
      RegistryCommand.Gc.class,
      RegistryCommand.HtpasswdCommand.class
    })
public final class RegistryCommand {

  /** The options serve and gc share. */
  static final class Storage {
    @Option(names = "--config", paramLabel = "FILE", description = "Config file, YAML or JSON.")
    Path config;

    @Option(names = "--root", paramLabel = "DIR", description = "Storage directory (default ./registry).")
    Path root;

    RegistryConfig.Builder builder() throws IOException {
      RegistryConfig.Builder b = RegistryConfig.builder(Path.of("registry"));
      if (config != null) {
        b.file(config);
      }
      if (root != null) {
        b.root(root);
      }
      return b;
    }
  }

  /** {@code kiln registry serve}. */
  @Command(name = "serve", description = "Serve the registry until interrupted.")
  static final class Serve implements Callable<Integer> {
    @picocli.CommandLine.Mixin Storage storage = new Storage();

    @Option(names = "--addr", paramLabel = "HOST:PORT", description = "Listen address (default 127.0.0.1:5000).")
    String addr;

    @Option(names = "--htpasswd", paramLabel = "FILE", description = "bcrypt htpasswd file: turns on Basic auth.")
    Path htpasswd;

    @Option(names = "--access", paramLabel = "FILE", description = "Access rules (JSON): users, groups, repository patterns.")
    Path access;

    @Option(names = "--anonymous-pull", paramLabel = "PATTERN", description = "Repositories anyone may pull (repeatable).")
    List<String> anonymousPull = new ArrayList<>();

    @Option(names = "--token-auth", description = "Docker token auth with kiln's /token server.")
    boolean tokenAuth;

    @Option(names = "--token-key", paramLabel = "FILE", description = "Token signing key (PEM; created when absent).")
    Path tokenKey;

    @Option(names = "--token-alg", paramLabel = "ES256|RS256", description = "Algorithm of a created token key.")
    String tokenAlg;

    @Option(names = "--token-realm", paramLabel = "URL", description = "Realm URL in challenges.")
    String tokenRealm;

    @Option(names = "--token-service", paramLabel = "NAME", description = "Token service name.")
    String tokenService;

    @Option(names = "--tls", description = "Serve HTTPS (a self-signed CA is generated unless --tls-cert).")
    boolean tls;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-host", paramLabel = "NAME", description = "More names for a generated certificate.")
    List<String> tlsHosts = new ArrayList<>();

    @Option(names = "--read-only", description = "Refuse every write.")
    boolean readOnly;

    @Option(names = "--no-delete", description = "Refuse deletion.")
    boolean noDelete;

    @Option(names = "--upload-ttl", paramLabel = "DURATION", description = "Idle uploads are deleted after this (default 24h).")
    String uploadTtl;

    @Option(names = "--no-access-log", description = "Do not log each request.")
    boolean noAccessLog;

    @Override
    public Integer call() throws Exception {
      RegistryConfig config;
      try {
        RegistryConfig.Builder b = storage.builder();
        if (addr != null) {
          b.addr(addr);
        }
        if (htpasswd != null) {
          b.htpasswd(htpasswd);
        }
        if (access != null) {
          b.accessFile(access);
        }
        anonymousPull.forEach(b::anonymousPull);
        if (tokenAuth) {
          b.auth(RegistryConfig.Auth.TOKEN);
        }
        if (tokenKey != null) {
          b.tokenKey(tokenKey);
        }
        if (tokenAlg != null) {
          b.tokenAlgorithm(tokenAlg);
        }
        if (tokenRealm != null) {
          b.tokenRealm(tokenRealm);
        }
        if (tokenService != null) {
          b.tokenService(tokenService);
        }
        if (tls) {
          b.tls(true);
        }
        if (tlsCert != null || tlsKey != null) {
          if (tlsCert == null || tlsKey == null) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
          }
          b.tlsCertificate(tlsCert, tlsKey);
        }
        tlsHosts.forEach(b::tlsHost);
        if (readOnly) {
          b.readOnly(true);
        }
        if (noDelete) {
          b.deleteEnabled(false);
        }
        if (uploadTtl != null) {
          b.uploadTtl(RegistryConfig.Builder.duration(uploadTtl));
        }
        if (noAccessLog) {
          b.accessLog(false);
        }
        config = b.build();
      } catch (IllegalArgumentException | IOException e) {
        System.err.println("kiln registry serve: " + e.getMessage());
        return 2;
      }
      configureLogging();
      RegistryServer server;
      try {
        server = RegistryServer.start(config);
      } catch (IOException e) {
        System.err.println("kiln registry serve: " + e.getMessage());
        return 1;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "kiln-registry-shutdown"));
      System.out.println("kiln registry: serving " + server.url() + " from "
          + config.root().toAbsolutePath() + " (auth " + config.auth().name().toLowerCase()
          + (config.readOnly() ? ", read-only" : "") + ")");
      if (server.caCertificate().isPresent()) {
        Path ca = server.caCertificate().get();
        System.out.println("kiln registry: clients must trust the generated CA " + ca
            + " (e.g. skopeo --dest-cert-dir " + ca.getParent() + "):");
        System.out.print(Files.readString(ca, StandardCharsets.UTF_8));
      }
      System.out.flush();
      stopped.await();
      return 0;
    }

    // Access logs are JSON lines on stdout; everything else goes to stderr at WARNING and above.
    private void configureLogging() {
      Logger root = Logger.getLogger("");
      Arrays.stream(root.getHandlers()).forEach(root::removeHandler);
      ConsoleHandler errors = new ConsoleHandler();
      errors.setLevel(Level.WARNING);
      errors.setFormatter(new Formatter() {
        @Override
        public String format(LogRecord r) {
          String cause = r.getThrown() == null ? "" : ": " + r.getThrown();
          return "kiln registry: " + r.getLevel() + " " + formatMessage(r) + cause + "\n";
        }
      });
      root.addHandler(errors);
      root.setLevel(Level.WARNING);
      Logger access = Logger.getLogger("dev.kiln.registry.access");
      access.setLevel(Level.INFO);
      access.setUseParentHandlers(false);
      java.util.logging.StreamHandler out = new java.util.logging.StreamHandler(System.out,
          new Formatter() {
            @Override
            public String format(LogRecord r) {
              return r.getMessage() + "\n";
            }
          }) {
        @Override
        public synchronized void publish(LogRecord record) {
          super.publish(record);
          flush();
        }
      };
      out.setLevel(Level.INFO);
      access.addHandler(out);
    }
  }

  /** {@code kiln registry gc}. */
  @Command(name = "gc", description = "Delete blobs no manifest references, and expired uploads.")
  static final class Gc implements Callable<Integer> {
    @picocli.CommandLine.Mixin Storage storage = new Storage();

    @Option(names = "--dry-run", description = "Only report what would be freed.")
    boolean dryRun;

    @Option(names = "--grace", paramLabel = "DURATION", description = "Spare blobs touched within this (default 1h).")
    String grace = "1h";

    @Override
    public Integer call() {
      try {
        RegistryConfig config = storage.builder().build();
        GarbageCollector.Report r = GarbageCollector.collect(config.root(), dryRun,
            RegistryConfig.Builder.duration(grace), config.uploadTtl());
        for (String blob : r.blobs()) {
          System.out.println((dryRun ? "would delete " : "deleted ") + blob);
        }
        System.out.printf("%s %d blobs, %d bytes; %d referenced kept; %d expired uploads deleted%n",
            dryRun ? "would free" : "freed", r.blobs().size(), r.bytes(), r.marked(), r.uploads());
        return 0;
      } catch (IOException | IllegalArgumentException e) {
        System.err.println("kiln registry gc: " + e.getMessage());
        return 1;
      }
    }
  }

  /** {@code kiln registry htpasswd USER}. */
  @Command(name = "htpasswd", description = "Print (or add to --file) a bcrypt htpasswd entry; the password is read from the terminal or stdin.")
  static final class HtpasswdCommand implements Callable<Integer> {
    @Parameters(paramLabel = "USER")
    String user;

    @Option(names = "--file", paramLabel = "FILE", description = "Add or replace the entry in this file.")
    Path file;

    @Override
    public Integer call() throws IOException {
      char[] password;
      Console console = System.console();
      if (console != null) {
        password = console.readPassword("password for %s: ", user);
      } else {
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
            StandardCharsets.UTF_8)).readLine();
        password = line == null ? new char[0] : line.toCharArray();
      }
      String entry;
      try {
        entry = Htpasswd.entry(user, password);
      } catch (IllegalArgumentException e) {
        System.err.println("kiln registry htpasswd: " + e.getMessage());
        return 2;
      } finally {
        Arrays.fill(password, '\0');
      }
      if (file == null) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        out.println(entry);
        return 0;
      }
      List<String> lines = new ArrayList<>();
      if (Files.exists(file)) {
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!l.startsWith(user + ":")) {
            lines.add(l);
          }
        }
      }
      lines.add(entry);
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(temp, lines, StandardCharsets.UTF_8);
      Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      System.out.println("kiln registry htpasswd: " + user + " written to " + file);
      return 0;
    }
  }
}
