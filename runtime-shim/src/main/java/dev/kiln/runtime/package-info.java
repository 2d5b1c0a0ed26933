/** Runs containers: OCI runtime bundles, overlay mounts of unpacked layers, lifecycle, logs and cgroups, driving the native shim (or crun/runc). */
package dev.kiln.runtime;
