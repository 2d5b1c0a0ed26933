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
    System.exit(new CommandLine(new KilnCommand()).execute(args));
  }
}
