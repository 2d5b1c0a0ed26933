package dev.kiln.cli;

import picocli.CommandLine.Command;

/** The top-level {@code kiln} command; every verb is a subcommand. */
@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.class,
    description = "Build, store, ship and run container images.",
    subcommands = {VersionCommand.class, RegistryCommand.class})
public final class KilnCommand {}
