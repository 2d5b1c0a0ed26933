package dev.kiln.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The kiln bridge: {@code kiln0} with {@value #GATEWAY}/24 on the host, one veth pair per container.
 * The shim (or crun/runc, as a createRuntime hook) runs the hook this class writes before the
 * container's process starts; the host end of the pair disappears with the container's network namespace.
 */
final class BridgeNetwork {
  static final String BRIDGE = "kiln0";
  static final String PREFIX = "10.213.7.";
  static final String GATEWAY = PREFIX + "1";

  private BridgeNetwork() {}

  /**
   * @param used addresses held by running containers
   * @return the lowest free address
   * @throws IOException when the /24 is full
   */
  static String allocate(Collection<String> used) throws IOException {
    for (int i = 2; i < 255; i++) {
      if (!used.contains(PREFIX + i)) return PREFIX + i;
    }
    throw new IOException("network bridge " + BRIDGE + ": all 253 addresses in use");
  }

  /** @return the host-side veth name of container ID */
  static String hostVeth(String id) {
    return "kv" + id.substring(0, 12);
  }

  /** One iptables rule: its table option and the chain with its match and target. */
  record NatRule(String table, String rule) {}

  /**
   * The host-wide lock ({@code flock}) that the hook and prune hold while they change the bridge or
   * its rules: two containers starting at once would otherwise both find a rule missing and add
   * it twice, and prune could delete the bridge a starting container is about to join.
   */
  static final String LOCK = "/run/kiln-bridge.lock";

  /** The rules that give the bridge's subnet NAT-ed outbound access; prune deletes them with it. */
  static List<NatRule> natRules() {
    String subnet = PREFIX + "0/24";
    return List.of(
        new NatRule("-t nat", "POSTROUTING -s " + subnet + " ! -o " + BRIDGE + " -j MASQUERADE"),
        new NatRule("-t filter", "FORWARD -i " + BRIDGE + " -j ACCEPT"),
        new NatRule("-t filter", "FORWARD -o " + BRIDGE + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
  }

  /** Writes the hook script that plugs the container into the bridge. */
  static Path writeHook(Path bundle, String id, String address) throws IOException {
    String host = hostVeth(id);
    String peer = "kc" + id.substring(0, 12);
    String script = """
        #!/bin/sh
        # kiln bridge hook: the container init's host pid is $1 (the kiln shim) or the "pid" of
        # the OCI state on stdin (a createRuntime hook of crun or runc)
        set -e
        pid=${1:-$(sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p')}
        [ -n "$pid" ] || { echo "kiln bridge hook: no container pid" >&2; exit 1; }
        exec 9>>%7$s
        flock 9
        if ! ip link show %1$s >/dev/null 2>&1; then
          ip link add %1$s type bridge 2>/dev/null || true
          ip addr add %2$s/24 dev %1$s 2>/dev/null || true
          ip link set %1$s up
        fi
        # outbound traffic leaves masqueraded as the host's, as from docker0 (without iptables,
        # containers reach the host and each other only)
        if command -v iptables >/dev/null; then
          echo 1 > /proc/sys/net/ipv4/ip_forward
          %6$s
        fi
        ip link add %3$s type veth peer name %4$s
        ip link set %3$s master %1$s up
        flock -u 9
        ip link set %4$s netns "$pid"
        nsenter -t "$pid" -n ip link set %4$s name eth0
        nsenter -t "$pid" -n ip addr add %5$s/24 dev eth0
        nsenter -t "$pid" -n ip link set eth0 up
        nsenter -t "$pid" -n ip route add default via %2$s
        """.formatted(BRIDGE, GATEWAY, host, peer, address, String.join("\n  ", natRules().stream()
            .map(r -> "iptables " + r.table() + " -C " + r.rule() + " 2>/dev/null || iptables " + r.table() + " -A " + r.rule())
            .toList()), LOCK);
    Path hook = bundle.resolve("network-hook");
    AtomicFiles.write(hook, script);
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    return hook;
  }

  /**
   * A shell script, run under {@link #LOCK}, that deletes the bridge and every copy of its rules
   * when no container is plugged into it, and then prints {@code removed}.
   */
  static String teardownScript() {
    String deletes = natRules().stream()
        // a loop, bounded, so that copies an older kiln added twice go too
        .map(r -> "for i in 1 2 3 4 5 6 7 8; do iptables " + r.table() + " -D " + r.rule() + " 2>/dev/null || break; done")
        .collect(Collectors.joining("\n  "));
    return """
        ports=/sys/class/net/%1$s/brif
        [ -d "$ports" ] && [ -z "$(ls "$ports")" ] || exit 0
        ip link del %1$s
        if command -v iptables >/dev/null; then
          %2$s
        fi
        echo removed
        """.formatted(BRIDGE, deletes);
  }
}
