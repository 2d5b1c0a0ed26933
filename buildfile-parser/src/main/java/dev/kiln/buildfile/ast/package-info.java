/**
 * The syntax layer: {@link dev.kiln.buildfile.ast.LineReader} turns buildfile text into {@link
 * dev.kiln.buildfile.ast.Node} records exactly as BuildKit's {@code parser} package does (the
 * shape its parser tests dump). See spec/docs/buildfile.md, "Lines" and "Arguments per keyword".
 */
package dev.kiln.buildfile.ast;
