/** The picocli commands, one VerbCommand per command; the only package that prints, exits or configures logging. */
package dev.kiln.cli;
