package dev.kiln.runtime;

import java.util.List;

/**
 * What {@code containers/<id>/state.json} records at creation: enough to start, exec into, stop and
 * clean up the container later without the original run options.
 */
record StoredContainer(
    String id,
    String name,
    String image,
    List<String> command,
    OciRuntime runtime,
    String created,
    boolean autoRemove,
    List<String> env,
    int uid,
    int gid,
    List<Integer> groups,
    List<String> capabilities,
    boolean noNewPrivileges,
    boolean seccomp,
    List<String> cgroupDirs,
    List<String> hostMounts,
    List<String> volumes,
    String address,
    long monitorPid) {

  StoredContainer {
    command = List.copyOf(command);
    env = List.copyOf(env);
    groups = List.copyOf(groups);
    capabilities = List.copyOf(capabilities);
    cgroupDirs = List.copyOf(cgroupDirs);
    hostMounts = List.copyOf(hostMounts);
    volumes = List.copyOf(volumes);
  }

  StoredContainer withMonitorPid(long pid) {
    return new StoredContainer(id, name, image, command, runtime, created, autoRemove, env, uid, gid, groups, capabilities,
        noNewPrivileges, seccomp, cgroupDirs, hostMounts, volumes, address, pid);
  }
}
