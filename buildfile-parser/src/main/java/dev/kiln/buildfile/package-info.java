/** Buildfile (Dockerfile language) text to typed, position-carrying instructions; variable expansion; ignore-file patterns; lint. JDK only. */
package dev.kiln.buildfile;
