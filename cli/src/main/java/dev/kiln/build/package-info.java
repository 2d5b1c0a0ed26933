/** The build engine: buildfile to image through the parser, the layer store and the runtime; it never prints. */
package dev.kiln.build;
