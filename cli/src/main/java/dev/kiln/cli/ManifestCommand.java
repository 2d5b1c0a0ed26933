package dev.kiln.cli;

import picocli.CommandLine.Command;

/** {@code kiln manifest}: groups the manifest subcommands. */
@Command(name = "manifest", description = "Work with manifests in registries.",
    subcommands = {ManifestInspectCommand.class})
public final class ManifestCommand {}
