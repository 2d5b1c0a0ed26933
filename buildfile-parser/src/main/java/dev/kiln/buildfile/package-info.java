/**
 * Buildfile (Dockerfile language) text to typed, position-carrying instructions, as BuildKit parses
 * it; shell-word expansion; ignore-file patterns; lint. JDK only. Entry points: {@link
 * dev.kiln.buildfile.Buildfile}, {@link dev.kiln.buildfile.ShellWords}, {@link
 * dev.kiln.buildfile.IgnorePatterns}, {@link dev.kiln.buildfile.Lint}. See spec/docs/buildfile.md.
 */
package dev.kiln.buildfile;
