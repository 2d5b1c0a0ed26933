/** The OCI image model every module speaks: digests, references, media types, descriptors, manifests, indexes, configs and the error table. */
package dev.kiln.oci;
