/** JSON reading and writing of the image model: the only place in dev.kiln.oci that sees Jackson. */
package dev.kiln.oci.internal;
