package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.layer.Compression;
import dev.kiln.layer.Imports;
import dev.kiln.layer.LayerOptions;
import dev.kiln.layer.LayerSource;
import dev.kiln.layer.LayerWriter;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageConfig.ContainerConfig;
import dev.kiln.oci.Reference;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln import SOURCE NAME}: a root filesystem becomes a one-layer image. */
@Command(name = "import", description = "Make a one-layer image from a root filesystem: a tar "
    + "(plain, gzip or zstd), a directory, or - for a tar on stdin.")
public final class ImportCommand implements Callable<Integer> {
  /** Built on first use: picocli instantiates every command at start-up, even unused ones. */
  private static final class Json {
    static final JsonMapper MAPPER = new JsonMapper();
  }

  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "ROOTFS.tar, a directory, or -.")
  String source;

  @Parameters(index = "1", paramLabel = "NAME", description = "Name for the image, e.g. busybox:latest.")
  String name;

  @Option(names = {"-c", "--change"}, paramLabel = "INSTRUCTION",
      description = "Set a config field with a buildfile instruction: CMD, ENTRYPOINT, ENV, "
          + "WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL. Repeatable.")
  List<String> changes = new ArrayList<>();

  @Option(names = "--compression", paramLabel = "gzip|zstd", defaultValue = "gzip",
      description = "Layer compression (default: ${DEFAULT-VALUE}).")
  String compression;

  @Override
  public Integer call() throws Exception {
    Reference ref = Reference.parse(name, Reference.Defaults.DOCKER_HUB);
    if (ref.digest().isPresent()) {
      throw new CliException("cannot import as " + name + ": a name must not contain a digest");
    }
    if (ref.tag().isEmpty()) {
      ref = Reference.parse(name + ":latest", Reference.Defaults.DOCKER_HUB);
    }
    Compression c;
    try {
      c = Compression.parse(compression);
    } catch (IllegalArgumentException e) {
      throw new CliException("--compression " + compression + ": " + e.getMessage());
    }
    ContainerConfig execution = ContainerConfig.EMPTY;
    for (String change : changes) {
      execution = apply(execution, change);
    }
    LayerWriter writer = new LayerWriter(LayerOptions.defaults().withCompression(c));
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String comment = "kiln import " + source;
    var store = kiln.store();
    Descriptor manifest;
    if (source.equals("-")) {
      if (System.console() != null && System.console().isTerminal()) {
        throw new CliException("import -: no tar on stdin (pipe one in, or give a file or directory)");
      }
      InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 256 * 1024);
      manifest = Imports.rootfs(store, new LayerSource.Archive(in, "stdin"), writer, execution, now, ref, comment);
    } else {
      Path path = Path.of(source);
      if (Files.isDirectory(path)) {
        manifest = Imports.rootfs(store, new LayerSource.Directory(path), writer, execution, now, ref, comment);
      } else if (Files.isRegularFile(path)) {
        try (InputStream in = Files.newInputStream(path)) {
          manifest = Imports.rootfs(store, new LayerSource.Archive(in, source), writer, execution, now, ref, comment);
        }
      } else {
        throw new CliException("import source " + source + " is neither a tar file nor a directory");
      }
    }
    spec.commandLine().getOut().println(manifest.digest());
    return 0;
  }

  /** Applies one {@code --change} instruction to the execution parameters. */
  static ContainerConfig apply(ContainerConfig c, String change) throws CliException {
    String text = change.strip();
    int space = text.indexOf(' ');
    String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(java.util.Locale.ROOT);
    String args = space < 0 ? "" : text.substring(space + 1).strip();
    if (args.isEmpty()) {
      throw new CliException("--change '" + change + "': " + keyword + " needs an argument");
    }
    return switch (keyword) {
      case "CMD" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(),
          command(change, args), c.volumes(), c.workingDir(), c.labels(), c.stopSignal(),
          c.argsEscaped(), c.healthcheck(), c.shell(), c.onBuild());
      case "ENTRYPOINT" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(),
          command(change, args), c.cmd(), c.volumes(), c.workingDir(), c.labels(), c.stopSignal(),
          c.argsEscaped(), c.healthcheck(), c.shell(), c.onBuild());
      case "ENV" -> {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : c.env()) {
          int eq = e.indexOf('=');
          env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        env.putAll(pairs(change, args));
        List<String> list = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        yield new ContainerConfig(c.user(), c.exposedPorts(), list, c.entrypoint(), c.cmd(),
            c.volumes(), c.workingDir(), c.labels(), c.stopSignal(), c.argsEscaped(), c.healthcheck(),
            c.shell(), c.onBuild());
      }
      case "LABEL" -> {
        Map<String, String> labels = new LinkedHashMap<>(c.labels());
        labels.putAll(pairs(change, args));
        yield new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
            c.volumes(), c.workingDir(), labels, c.stopSignal(), c.argsEscaped(), c.healthcheck(),
            c.shell(), c.onBuild());
      }
      case "WORKDIR" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(),
          c.cmd(), c.volumes(), args, c.labels(), c.stopSignal(), c.argsEscaped(), c.healthcheck(),
          c.shell(), c.onBuild());
      case "USER" -> new ContainerConfig(args, c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
          c.volumes(), c.workingDir(), c.labels(), c.stopSignal(), c.argsEscaped(), c.healthcheck(),
          c.shell(), c.onBuild());
      case "STOPSIGNAL" -> new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(),
          c.cmd(), c.volumes(), c.workingDir(), c.labels(), args, c.argsEscaped(), c.healthcheck(),
          c.shell(), c.onBuild());
      case "EXPOSE" -> {
        List<String> ports = new ArrayList<>(c.exposedPorts());
        for (String p : args.split("\\s+")) {
          String port = p.contains("/") ? p : p + "/tcp";
          if (!port.matches("[0-9]+(-[0-9]+)?/(tcp|udp|sctp)")) {
            throw new CliException("--change '" + change + "': bad port '" + p + "'");
          }
          if (!ports.contains(port)) {
            ports.add(port);
          }
        }
        yield new ContainerConfig(c.user(), ports, c.env(), c.entrypoint(), c.cmd(), c.volumes(),
            c.workingDir(), c.labels(), c.stopSignal(), c.argsEscaped(), c.healthcheck(), c.shell(),
            c.onBuild());
      }
      case "VOLUME" -> {
        List<String> volumes = new ArrayList<>(c.volumes());
        for (String v : args.startsWith("[") ? jsonArray(change, args) : List.of(args.split("\\s+"))) {
          if (!volumes.contains(v)) {
            volumes.add(v);
          }
        }
        yield new ContainerConfig(c.user(), c.exposedPorts(), c.env(), c.entrypoint(), c.cmd(),
            volumes, c.workingDir(), c.labels(), c.stopSignal(), c.argsEscaped(), c.healthcheck(),
            c.shell(), c.onBuild());
      }
      default -> throw new CliException("--change '" + change + "': " + keyword
          + " is not one of CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL");
    };
  }

  /** Exec form (a JSON array) as is; shell form runs through {@code /bin/sh -c}, as buildfiles do. */
  private static List<String> command(String change, String args) throws CliException {
    return args.startsWith("[") ? jsonArray(change, args) : List.of("/bin/sh", "-c", args);
  }

  private static List<String> jsonArray(String change, String args) throws CliException {
    try {
      List<String> out = new ArrayList<>();
      for (var node : Json.MAPPER.readTree(args)) {
        if (!node.isTextual()) {
          throw new CliException("--change '" + change + "': the JSON array must hold strings");
        }
        out.add(node.asText());
      }
      return out;
    } catch (JsonProcessingException e) {
      throw new CliException("--change '" + change + "': not a JSON array of strings");
    }
  }

  /** {@code k=v k2="v 2"}, or the legacy single {@code k v} form. */
  private static Map<String, String> pairs(String change, String args) throws CliException {
    Map<String, String> out = new LinkedHashMap<>();
    if (!args.contains("=")) {
      int sp = args.indexOf(' ');
      if (sp < 0) {
        throw new CliException("--change '" + change + "': expected KEY=VALUE");
      }
      out.put(args.substring(0, sp), args.substring(sp + 1).strip());
      return out;
    }
    int i = 0;
    while (i < args.length()) {
      while (i < args.length() && args.charAt(i) == ' ') {
        i++;
      }
      int eq = args.indexOf('=', i);
      if (eq < 0) {
        throw new CliException("--change '" + change + "': expected KEY=VALUE at '" + args.substring(i) + "'");
      }
      String key = args.substring(i, eq);
      StringBuilder value = new StringBuilder();
      i = eq + 1;
      char quote = 0;
      for (; i < args.length(); i++) {
        char ch = args.charAt(i);
        if (quote != 0) {
          if (ch == quote) {
            quote = 0;
          } else if (ch == '\\' && quote == '"' && i + 1 < args.length()) {
            value.append(args.charAt(++i));
          } else {
            value.append(ch);
          }
        } else if (ch == '"' || ch == '\'') {
          quote = ch;
        } else if (ch == ' ') {
          break;
        } else {
          value.append(ch);
        }
      }
      if (key.isEmpty() || key.contains(" ")) {
        throw new CliException("--change '" + change + "': bad key '" + key + "'");
      }
      out.put(key, value.toString());
    }
    return out;
  }

}
