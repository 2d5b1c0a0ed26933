package dev.kiln.cli;

import dev.kiln.oci.OciError;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Entry point of the {@code kiln} command. Errors become one line on stderr (the stack trace too
 * with {@code --debug}) and the exit codes of spec/docs/exit-codes.md.
 */
public final class Main {
  private Main() {}

  /** kiln itself failed: bad usage, bad input, a store or network error. */
  static final int EXIT_ERROR = 125;

  /**
   * Runs kiln with the given arguments and exits with the command's exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    // `kiln version` needs no parser: answered before picocli loads, it starts in the time its
    // own small AOT cache allows.
    if (args.length == 1 && (args[0].equals("version") || args[0].equals("--version"))) {
      for (String line : KilnVersion.lines()) {
        System.out.println(line);
      }
      System.exit(0);
    }
    System.exit(run(args, null, null));
  }

  /**
   * Runs kiln in this JVM.
   *
   * @param args the command line
   * @param out where output goes, or null for stdout
   * @param err where errors go, or null for stderr
   * @return the exit code
   */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = commandLine(args);
    if (out != null) {
      cli.setOut(out);
    }
    if (err != null) {
      cli.setErr(err);
    }
    cli.setExitCodeExceptionMapper(e -> EXIT_ERROR);
    cli.setParameterExceptionHandler((e, a) -> {
      PrintWriter w = e.getCommandLine().getErr();
      w.println("kiln: " + e.getMessage() + " (see 'kiln "
          + subcommandPath(e.getCommandLine()) + "--help')");
      w.flush();
      return EXIT_ERROR;
    });
    cli.setExecutionExceptionHandler((e, c, parsed) -> {
      PrintWriter w = c.getErr();
      boolean debug = c.getCommandSpec().root().userObject() instanceof KilnCommand k && k.debug;
      w.println("kiln: " + describe(e));
      if (debug) {
        e.printStackTrace(w);
      }
      w.flush();
      return EXIT_ERROR;
    });
    int code = cli.execute(args);
    // Commands print through picocli's writers; flush before the JVM exits.
    cli.getOut().flush();
    cli.getErr().flush();
    return code;
  }

  /**
   * Returns the command line for ARGS: the {@code kiln} command with the verb ARGS names, or with
   * every verb when they name none or an unknown one (help lists them all, a typo gets a
   * suggestion). One verb's model costs a few milliseconds; all of them most of a second.
   *
   * @param args the command line
   * @return the picocli command line, ready to execute ARGS
   */
  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new KilnCommand());
    String verb = verb(args);
    Class<?> named = null;
    for (Class<?> c : KilnCommand.VERBS) {
      if (c.getAnnotation(CommandLine.Command.class).name().equals(verb)) {
        named = c;
      }
    }
    for (Class<?> c : named != null ? List.<Class<?>>of(named) : KilnCommand.VERBS) {
      cli.addSubcommand(c);
    }
    withHelpOptions(cli);
    // Options after IMAGE / CONTAINER belong to the container's command, as in Docker.
    for (String stopsAtImage : new String[] {"run", "exec"}) {
      CommandLine sub = cli.getSubcommands().get(stopsAtImage);
      if (sub != null) {
        sub.setStopAtPositional(true);
      }
    }
    return cli;
  }

  // The first argument that is not a global option, or null.
  private static String verb(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--root")) {
        i++;
      } else if (!args[i].startsWith("-")) {
        return args[i];
      }
    }
    return null;
  }

  // Every command answers -h/--help, as docker and podman subcommands do.
  private static void withHelpOptions(CommandLine c) {
    var spec = c.getCommandSpec();
    if (spec.findOption("-h") == null) {
      spec.mixinStandardHelpOptions(true);
    } else if (spec.findOption("--help") == null) {
      // run/exec use -h for --hostname, as docker does: --help alone there.
      spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    c.getSubcommands().values().forEach(Main::withHelpOptions);
  }

  private static String subcommandPath(CommandLine c) {
    StringBuilder sb = new StringBuilder();
    for (CommandLine p = c; p.getParent() != null; p = p.getParent()) {
      sb.insert(0, p.getCommandName() + " ");
    }
    return sb.toString();
  }

  // Expected failures carry a message written for users; anything else is a bug in kiln.
  private static String describe(Exception e) {
    if (e instanceof OciError || e instanceof java.io.IOException || e instanceof CliException) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return m.lines().findFirst().orElse(m);
    }
    return "internal error: " + e + " (run with --debug for the stack trace)";
  }
}
