/**
 * The build engine: buildfile to image through the parser, the layer store and the runtime
 * ({@link dev.kiln.build.BuildEngine}); it never prints, progress goes to a {@link
 * dev.kiln.build.BuildListener}. How it works: cli/README.md.
 */
package dev.kiln.build;
