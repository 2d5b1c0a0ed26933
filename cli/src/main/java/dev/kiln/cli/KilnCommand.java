package dev.kiln.cli;

import picocli.CommandLine.Command;

/** The top-level {@code kiln} command; every verb is a subcommand. */
@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.class,
    description = "Build, store, ship and run container images.",
    subcommands = {
      VersionCommand.class,
      RunCommand.class,
      PsCommand.class,
      LogsCommand.class,
      StopCommand.class,
      KillCommand.class,
      RmCommand.class,
      ExecCommand.class,
      StatsCommand.class,
      VolumeCommand.class,
      SystemCommand.class
    })
public final class KilnCommand {}
