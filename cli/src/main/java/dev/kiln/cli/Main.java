package dev.kiln.cli;

import picocli.CommandLine;

/** Entry point of the {@code kiln} command. */
public final class Main {
  private Main() {}

  /**
   * Runs kiln with the given arguments and exits with the command's exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new KilnCommand());
    // options after IMAGE / CONTAINER belong to the container's command, as in Docker
    for (String verb : new String[] {"run", "exec"}) {
      CommandLine sub = cli.getSubcommands().get(verb);
      if (sub != null) sub.setStopAtPositional(true);
    }
    System.exit(cli.execute(args));
  }
}
