/** The content-addressed blob store, the OCI-layout local image store and its garbage collector. */
package dev.kiln.store;
