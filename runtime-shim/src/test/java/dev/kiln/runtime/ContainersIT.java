package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Real containers from a busybox root file system, run by the shim (and crun/runc for parity). */
class ContainersIT {
  @TempDir static Path tmp;
  static Path rootfs;
  static Containers containers;

  @BeforeAll
  static void setUp() throws Exception {
    // user-namespaced containers look up their layers as an unmapped root: the path must be o+x
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    rootfs = Rootfs.sharedBusybox();
    containers = new Containers(tmp.resolve("root"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Container c : containers.list(true)) containers.remove(c.id(), true);
    containers.prune(); // the bridge too, once nothing is plugged into it
  }

  record Result(int exitCode, String output, Container container) {}

  static Result run(RunSpec spec) throws Exception {
    return run(spec, OciRuntime.SHIM);
  }

  static Result run(RunSpec spec, OciRuntime runtime) throws Exception {
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs), spec, runtime, false);
    int code = containers.start(c.id(), true);
    String out = containers.logs().read(c.id(), Optional.empty(), -1).stream().map(LogEntry::text).collect(Collectors.joining());
    return new Result(code, out, containers.find(c.id()).orElseThrow());
  }

  static RunSpec.Builder sh(String script) {
    return RunSpec.builder().cmd(List.of("sh", "-c", script));
  }

  @Test
  void isolationLooksLikeDockers() throws Exception {
    Result r = run(sh("""
        echo "pid=$$ init=$(cat /proc/1/comm)"
        echo "procs=$(ls /proc | grep -c '^[0-9]')"
        echo "host=$(hostname)"
        grep CapEff /proc/self/status
        grep -q ' /work' /proc/mounts && echo HOSTMOUNT
        echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo procsys-readonly
        mount -t tmpfs none /mnt 2>/dev/null || echo mount-denied
        echo x > /tmp/x.ko; insmod /tmp/x.ko 2>&1 | grep -q 'not permitted' && echo module-denied
        unshare -n true 2>/dev/null || echo unshare-denied
        """).hostname("isol").build());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("pid=2 init=kiln-init"), r.output());
    assertTrue(r.output().contains("host=isol"), r.output());
    assertTrue(r.output().contains("CapEff:\t00000000a80425fb"), r.output());
    int procs = Integer.parseInt(r.output().replaceAll("(?s).*procs=(\\d+).*", "$1"));
    assertTrue(procs <= 5, "processes visible: " + procs);
    assertFalse(r.output().contains("HOSTMOUNT"), r.output());
    for (String s : List.of("procsys-readonly", "mount-denied", "module-denied", "unshare-denied")) assertTrue(r.output().contains(s), s + " in " + r.output());
  }

  @Test
  void userNamespaceMapsRootToAnUnprivilegedHostId() throws Exception {
    IdMap map = new IdMap(0, 200000, 65536);
    Result r = run(sh("cat /proc/self/uid_map; id -u; touch /made-here; ls -ln /made-here").addUidMapping(map).addGidMapping(map).build());
    assertEquals(0, r.exitCode(), r.output() + r.container().error().orElse(""));
    assertTrue(r.output().matches("(?s)\\s*0\\s+200000\\s+65536\\s+0\\n.*"), r.output());
    Path made = tmp.resolve("root/containers").resolve(r.container().id()).resolve("upper/made-here");
    assertEquals(200000, Files.getAttribute(made, "unix:uid"));
  }

  @ParameterizedTest
  @EnumSource(OciRuntime.class)
  void ttyGivesTheProcessATerminal(OciRuntime runtime) throws Exception {
    requireRuntime(runtime);
    Result r = run(sh("[ -t 0 ] && [ -t 1 ] && echo on-a-tty; tty").tty(true).build(), runtime);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("on-a-tty\r\n"), r.output());
    // the terminal is one of the container's own devpts, so ttyname() finds it there
    assertTrue(r.output().contains("/dev/pts/0\r\n"), r.output());
    assertTrue(run(sh("[ -t 1 ] || echo no-tty").build(), runtime).output().contains("no-tty"));
  }


  @Test
  void exitCodesAreTheContainers() throws Exception {
    assertEquals(7, run(sh("exit 7").build()).exitCode());
    assertEquals(137, run(sh("kill -9 $$").build()).exitCode());
    ShimException notFound = assertThrows(ShimException.class, () -> run(RunSpec.builder().cmd(List.of("nosuchcmd")).build()));
    assertEquals(127, notFound.exitCode());
    assertThrows(IllegalArgumentException.class, () -> run(sh("true").user("nosuchuser").build()));
    assertThrows(IllegalArgumentException.class, () -> run(sh("true").capAdd(java.util.Set.of("NOT_A_CAP")).build()));
    Result nobody = run(sh("id -u; id -g").user("nobody").build());
    assertEquals("65534\n65534\n", nobody.output());
  }

  @Test
  void rlimitAboveTheHardLimitIsRefusedClearly() throws Exception {
    var e = assertThrows(IllegalArgumentException.class, () -> run(sh("true").addRlimit(new Rlimit("RLIMIT_NOFILE", 1L << 40, 1L << 40)).build()));
    assertTrue(e.getMessage().contains("CAP_SYS_RESOURCE") && e.getMessage().contains("nofile"), e.getMessage());
    assertEquals("64\n", run(sh("ulimit -n").addRlimit(new Rlimit("RLIMIT_NOFILE", 64, 64)).build()).output());
  }

  @Test
  void memoryHogIsOomKilledAndReported() throws Exception {
    Result r = run(sh("dd if=/dev/zero of=/dev/null bs=200M count=1").limits(Limits.NONE.withMemoryBytes(32L << 20)).build());
    assertEquals(137, r.exitCode(), r.output());
    assertTrue(r.container().oomKilled(), "oomKilled");
  }

  @Test
  void forkBombStopsAtThePidsLimit() throws Exception {
    // the inner shell forks until the kernel refuses; /tmp/n holds the fork it died at
    Result r = run(sh("sh -c 'for i in $(seq 1 60); do echo $i > /tmp/n; sleep 1 & done' 2>/tmp/err; sleep 1.2;"
        + " echo reached=$(cat /tmp/n); cat /tmp/err").limits(Limits.NONE.withPids(20)).build());
    int reached = Integer.parseInt(r.output().replaceAll("(?s).*reached=(\\d+).*", "$1"));
    assertTrue(reached >= 10 && reached <= 20, "forks before the pids limit of 20 refused one: " + reached + "\n" + r.output());
    assertTrue(r.output().contains("can't fork"), r.output());
  }

  @Test
  void storageSizeStopsABigWrite() throws Exception {
    Result r = run(sh("dd if=/dev/zero of=/big bs=1M count=32 2>&1; echo rc=$?").limits(Limits.NONE.withStorageBytes(8L << 20)).build());
    assertTrue(r.output().contains("No space left on device"), r.output());
    assertFalse(r.output().contains("rc=0"), r.output());
  }

  @Test
  void stopEndsAShellTrappingTermAndZombiesAreReaped() throws Exception {
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs),
        sh("trap 'echo got-term; exit 0' TERM; (sleep 0.05 &); sleep 0.3; echo zombies=$(ps -o stat | grep -c Z); while true; do sleep 0.1; done").build(),
        OciRuntime.SHIM, false);
    containers.start(c.id(), false);
    assertEquals(ContainerStatus.RUNNING, containers.find(c.id()).orElseThrow().status());
    Thread.sleep(600);
    long t0 = System.nanoTime();
    Container stopped = containers.stop(c.id(), Duration.ofSeconds(10));
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "stop took the SIGKILL path");
    assertEquals(0, stopped.exitCode().orElseThrow());
    String out = containers.logs().read(c.id(), Optional.empty(), -1).stream().map(LogEntry::text).collect(Collectors.joining());
    assertTrue(out.contains("zombies=0"), out);
    assertTrue(out.contains("got-term"), out);
  }

  @Test
  void logsSurviveRemoval() throws Exception {
    Container c = containers.create(Optional.of("logged"), "busybox", List.of(rootfs), sh("echo out; echo err >&2").build(), OciRuntime.SHIM, false);
    containers.start(c.id(), true);
    containers.remove("logged", false);
    assertTrue(containers.find("logged").isEmpty());
    String id = containers.logs().find("logged").orElseThrow();
    List<LogEntry> entries = containers.logs().read(id, Optional.empty(), -1);
    assertEquals(List.of("stdout:out\n", "stderr:err\n"), entries.stream().map(e -> e.stream() + ":" + e.text()).sorted(
        java.util.Comparator.reverseOrder()).toList());
    assertEquals(1, containers.logs().read(id, Optional.empty(), 1).size());
  }

  @Test
  void namedVolumesKeepData() throws Exception {
    Mount m = containers.volumeMount("data1:/data");
    assertEquals(0, run(sh("echo kept > /data/f").addMount(m).build()).exitCode());
    assertEquals("kept\n", run(sh("cat /data/f").addMount(containers.volumeMount("data1:/data:ro")).build()).output());
    assertTrue(run(sh("echo x > /data/g 2>&1").addMount(containers.volumeMount("data1:/data:ro")).build()).exitCode() != 0);
    assertTrue(containers.volumes().inspect("data1").isPresent());
  }

  @Test
  void execRunsInTheContainer() throws Exception {
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs), sh("sleep 30").hostname("ex").build(), OciRuntime.SHIM, false);
    containers.start(c.id(), false);
    assertEquals(0, containers.exec(c.id(), List.of("sh", "-c", "test $(hostname) = ex && touch /tmp/marker"), List.of(), "", "", false, false));
    assertEquals(0, containers.exec(c.id(), List.of("test", "-f", "/tmp/marker"), List.of(), "", "", false, false));
    assertEquals(4, containers.exec(c.id(), List.of("sh", "-c", "exit 4"), List.of(), "nobody", "/tmp", false, false));
    assertTrue(containers.stats(c.id()).pids().orElse(0) >= 2);
    containers.remove(c.id(), true);
  }

  @ParameterizedTest
  @EnumSource(OciRuntime.class)
  void bridgeGivesAnAddressPublishesAPortAndRemovalLeavesNothing(OciRuntime runtime) throws Exception {
    Rootfs.requireTool("ip", "iproute2");
    requireRuntime(runtime);
    int port;
    try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs),
        sh("ip -4 addr show eth0; mkdir /www; echo served > /www/index.html; exec httpd -f -p 8080 -h /www")
            .network(NetworkMode.BRIDGE).addPort(new PortMapping(port, 8080)).build(), runtime, false);
    containers.start(c.id(), false);
    String address = c.address().orElseThrow();
    String body = "";
    for (int attempt = 0; attempt < 50 && !body.contains("served"); attempt++) {
      Thread.sleep(50);
      try (var s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(2000);
        s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        body = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        body = e.toString();
      }
    }
    assertTrue(body.contains("served"), body);
    String out = containers.logs().read(c.id(), Optional.empty(), -1).stream().map(LogEntry::text).collect(Collectors.joining());
    assertTrue(out.contains(address + "/24"), out);
    assertTrue(Files.exists(Path.of("/sys/class/net", BridgeNetwork.hostVeth(c.id()))));
    containers.remove(c.id(), true);
    assertFalse(Files.exists(Path.of("/sys/class/net", BridgeNetwork.hostVeth(c.id()))));
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/kiln", c.id())));
  }

  @Test
  void anExitedDetachedAutoRemoveContainerFreesItsName() throws Exception {
    Container first = containers.create(Optional.of("reused"), "busybox", List.of(rootfs), sh("true").build(), OciRuntime.SHIM, true);
    containers.start(first.id(), false);
    assertEquals(ContainerStatus.EXITED, containers.await(first.id(), Duration.ofSeconds(10)).status());
    Container second = containers.create(Optional.of("reused"), "busybox", List.of(rootfs), sh("true").build(), OciRuntime.SHIM, false);
    assertTrue(containers.find(first.id()).isEmpty());
    assertFalse(Files.exists(tmp.resolve("root/containers").resolve(first.id())));
    containers.remove(second.id(), true);
  }

  @Test
  void bridgedContainersReachOutsideThroughTheHostsAddress() throws Exception {
    Rootfs.requireTool("ip", "iproute2");
    Rootfs.requireTool("iptables", "iptables");
    // "Outside": a network namespace this test makes, with no route back to the bridge's subnet,
    // so only a masqueraded connection gets an answer.
    String ns = "kiln-it-out";
    String script = "ip netns add " + ns + " && ip link add kiln-it-h type veth peer name kiln-it-n"
        + " && ip link set kiln-it-n netns " + ns + " && ip addr add 10.214.9.1/24 dev kiln-it-h && ip link set kiln-it-h up"
        + " && ip -n " + ns + " addr add 10.214.9.2/24 dev kiln-it-n && ip -n " + ns + " link set kiln-it-n up"
        + " && ip -n " + ns + " link set lo up && mkdir -p " + tmp.resolve("www") + " && echo outside > " + tmp.resolve("www/x")
        + " && ip netns exec " + ns + " busybox httpd -p 10.214.9.2:9000 -h " + tmp.resolve("www");
    try {
      assertEquals(0, new ProcessBuilder("sh", "-c", script).inheritIO().start().waitFor(), script);
      // busybox-static's wget crashes resolving even an address; nc speaks the HTTP itself
      Result r = run(sh("printf 'GET /x HTTP/1.0\\r\\n\\r\\n' | nc 10.214.9.2 9000").network(NetworkMode.BRIDGE).build());
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().startsWith("HTTP/1.1 200") && r.output().endsWith("\noutside\n"), r.output());
    } finally {
      new ProcessBuilder("sh", "-c", "ip netns pids " + ns + " | xargs -r kill; ip netns del " + ns + "; ip link del kiln-it-h")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
  }

  @Test
  void bridgedContainersStartingAtOnceAddEachRuleOnceAndPruneRemovesThem() throws Exception {
    Rootfs.requireTool("ip", "iproute2");
    Rootfs.requireTool("iptables", "iptables");
    List<Container> started = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      started.add(containers.create(Optional.empty(), "busybox", List.of(rootfs), sh("sleep 1").network(NetworkMode.BRIDGE).build(), OciRuntime.SHIM, false));
    }
    try (var starts = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Container c : started) starts.submit(() -> containers.start(c.id(), false));
    }
    assertEquals(1, masqueradeRules(), "one MASQUERADE rule for the bridge's subnet");
    for (Container c : started) {
      assertEquals(ContainerStatus.EXITED, containers.await(c.id(), Duration.ofSeconds(20)).status());
      containers.remove(c.id(), false);
    }
    var report = containers.prune();
    assertTrue(report.veths().contains(BridgeNetwork.BRIDGE), report.toString());
    assertEquals(0, masqueradeRules());
    assertFalse(Files.exists(Path.of("/sys/class/net", BridgeNetwork.BRIDGE)));
  }

  private static long masqueradeRules() throws Exception {
    Process p = new ProcessBuilder("iptables", "-t", "nat", "-S", "POSTROUTING").redirectErrorStream(true).start();
    String rules = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), rules);
    return rules.lines().filter(l -> l.contains("MASQUERADE") && l.contains(BridgeNetwork.BRIDGE)).count();
  }

  @Test
  void killedShimLeavesNothingAfterPrune() throws Exception {
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs), sh("sleep 30").build(), OciRuntime.SHIM, false);
    containers.start(c.id(), false);
    long monitor = ProcessHandle.of(containers.find(c.id()).orElseThrow().pid()).flatMap(ProcessHandle::parent).orElseThrow().pid();
    ProcessHandle.of(monitor).orElseThrow().destroyForcibly();
    Container gone = containers.await(c.id(), Duration.ofSeconds(5));
    assertEquals(ContainerStatus.EXITED, gone.status());
    var report = containers.prune();
    assertTrue(report.cgroups().contains(c.id()), report.toString());
    assertTrue(Cgroups.detect().existing().stream().noneMatch(c.id()::equals));
    containers.remove(c.id(), false);
  }

  @Test
  void crunAndRuncGiveTheSameResultAsTheShim() throws Exception {
    Rootfs.requireTool("crun", "crun");
    Rootfs.requireTool("runc", "runc");
    mountHugetlbForCrun();
    RunSpec spec = sh("hostname; id; grep -E 'CapEff|NoNewPrivs' /proc/self/status; echo x > /proc/sys/kernel/hostname || echo ro;"
        + " cat /proc/kcore | wc -c; ls /mnt; exit 3").hostname("same").build();
    Result shim = run(spec, OciRuntime.SHIM);
    Result crun = run(spec, OciRuntime.CRUN);
    Result runc = run(spec, OciRuntime.RUNC);
    assertEquals(3, shim.exitCode(), shim.output());
    assertEquals(shim.exitCode(), crun.exitCode(), crun.output());
    assertEquals(shim.exitCode(), runc.exitCode(), runc.output());
    // stdout and stderr are separate pipes: compare each stream, not their interleaving
    for (String stream : List.of("stdout", "stderr")) {
      assertEquals(stream(shim, stream), stream(crun, stream), stream);
      assertEquals(stream(shim, stream), stream(runc, stream), stream);
    }
    assertTrue(stream(shim, "stdout").contains("same\nuid=0(root)"), shim.output());
  }

  static String stream(Result r, String stream) throws IOException {
    return containers.logs().read(r.container().id(), Optional.empty(), -1).stream().filter(e -> e.stream().equals(stream))
        .map(LogEntry::text).collect(Collectors.joining());
  }

  static void requireRuntime(OciRuntime runtime) throws IOException, InterruptedException {
    if (runtime != OciRuntime.SHIM) {
      Rootfs.requireTool(runtime.command(), runtime.command());
    }
    if (runtime == OciRuntime.CRUN) {
      mountHugetlbForCrun();
    }
  }

  static void mountHugetlbForCrun() throws IOException, InterruptedException {
    Path h = Path.of("/sys/fs/cgroup/hugetlb");
    if (Files.exists(h.resolve("cgroup.procs")) || !Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))) return;
    // crun 1.8 refuses hybrid hosts without a v1 hugetlb hierarchy (PEERS.md)
    Process p = new ProcessBuilder("sh", "-c", "mkdir -p " + h + " && mount -t cgroup -o hugetlb cgroup " + h).inheritIO().start();
    assertEquals(0, p.waitFor(), "mount hugetlb cgroup for crun");
  }
}
