/** The build engine's parts: the step cache index, the hashed build context, layer helpers. */
package dev.kiln.build.internal;
