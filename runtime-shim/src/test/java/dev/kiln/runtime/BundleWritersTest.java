package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BundleWritersTest {
  static ContainerPlan plan(RunSpec spec) {
    return new ContainerPlan("a".repeat(64), spec, spec.args(), List.of("PATH=/bin", "T=tab\there"), new ContainerUser(1, 2, List.of(3), "/"),
        "/w", "host", List.of(Path.of("/l1"), Path.of("/l2")), Path.of("/b/rootfs"), Path.of("/c/upper"), Path.of("/c/work"), Optional.empty(),
        ContainerPlan.defaultMounts(), Capabilities.resolve(spec.capAdd(), spec.capDrop()), List.of(Path.of("/sys/fs/cgroup/pids/kiln/x")),
        "/kiln/x", Path.of("/logs/x"), 100, 2, Path.of("/c/status"), Optional.empty(), Optional.empty());
  }

  @Test
  void planLinesAreFlatAndEscaped() {
    RunSpec spec = RunSpec.builder().cmd(List.of("echo", "a\tb\nc\\d", "")).build();
    String text = ShimPlan.forContainer(plan(spec), true, false).text();
    assertTrue(text.contains("arg\techo\narg\ta\\tb\\nc\\\\d\narg\t-\n"), text);
    assertTrue(text.contains("lower\t/l1\nlower\t/l2\n"), text);
    assertTrue(text.contains("capabilities\ta80425fb\ta80425fb\ta80425fb\t0\t0\n"), text);
    assertTrue(text.contains("seccomp-deny\t165\t1\n"), "mount is denied: " + text);
    assertTrue(text.contains("seccomp-deny-clone-namespaces\n"), text);
    assertTrue(text.contains("user\t1\t2\ngroup\t3\n"), text);
    assertTrue(text.contains("attach\n"), text);
    assertTrue(text.lines().allMatch(l -> !l.isEmpty()), text);
  }

  @Test
  void sysAdminReallowsMountInBothWriters() throws Exception {
    RunSpec spec = RunSpec.builder().cmd(List.of("true")).capAdd(java.util.Set.of("SYS_ADMIN")).build();
    assertTrue(!ShimPlan.forContainer(plan(spec), false, false).text().contains("seccomp-deny\t165\t"));
    JsonNode config = new ObjectMapper().readTree(OciConfig.render(plan(spec)));
    assertTrue(!config.at("/linux/seccomp/syscalls/0/names").toString().contains("\"mount\""));
  }

  @Test
  void configJsonFollowsTheRuntimeSpec() throws Exception {
    RunSpec spec = RunSpec.builder().cmd(List.of("sh")).readOnlyRoot(true)
        .limits(Limits.NONE.withMemoryBytes(64L << 20).withCpus(0.5).withPids(10)).build();
    JsonNode c = new ObjectMapper().readTree(OciConfig.render(plan(spec)));
    assertEquals("1.0.2", c.path("ociVersion").asText());
    assertEquals("rootfs", c.at("/root/path").asText());
    assertTrue(c.at("/root/readonly").asBoolean());
    assertEquals(1, c.at("/process/user/uid").asInt());
    assertEquals("/w", c.at("/process/cwd").asText());
    assertEquals(64L << 20, c.at("/linux/resources/memory/limit").asLong());
    assertEquals(50000, c.at("/linux/resources/cpu/quota").asLong());
    assertEquals(10, c.at("/linux/resources/pids/limit").asLong());
    assertEquals("/kiln/x", c.at("/linux/cgroupsPath").asText());
    assertEquals(6, c.at("/linux/namespaces").size());
    assertTrue(c.at("/linux/maskedPaths").toString().contains("/proc/kcore"));
    assertEquals("SCMP_ACT_ALLOW", c.at("/linux/seccomp/defaultAction").asText());
  }
}
