/**
 * Implementation details of the parser: the keyword dispatch table and flag rules (BuildKit's
 * {@code instructions} package), Go-compatible text, JSON and duration helpers. Not API.
 */
package dev.kiln.buildfile.internal;
