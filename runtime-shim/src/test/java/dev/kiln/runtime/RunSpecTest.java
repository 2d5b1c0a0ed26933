package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSpecTest {
  @Test
  void imageConfigDefaultsAndOverrides() {
    RunSpec spec = RunSpec.fromImageConfig(List.of("/entry"), List.of("a", "b"), List.of("PATH=/bin", "X=1"), "nobody", "/srv")
        .addEnv("X=2").build();
    assertEquals(List.of("/entry", "a", "b"), spec.args());
    assertEquals(List.of("PATH=/bin", "X=2"), spec.env());
    assertEquals("nobody", spec.user());
    assertEquals("/srv", spec.cwd());
    assertTrue(spec.seccomp());
  }

  @Test
  void badInputIsRefusedWithTheInputNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> RunSpec.builder().env(List.of("NOEQUALS")).build());
    assertTrue(e.getMessage().contains("NOEQUALS"));
    assertThrows(IllegalArgumentException.class, () -> RunSpec.builder().cwd("relative").build());
    assertThrows(IllegalArgumentException.class, () -> RunSpec.builder().capAdd(Set.of("CAP_NOPE")).build());
    assertThrows(IllegalArgumentException.class, () -> RunSpec.builder().addPort(PortMapping.parse("8080:80")).build());
    assertThrows(IllegalArgumentException.class, () -> new Mount("relative", "bind", "/x", List.of()));
    assertThrows(IllegalArgumentException.class, () -> PortMapping.parse("0.0.0.0:80:80"));
    assertThrows(IllegalArgumentException.class, () -> Rlimit.parse("nofile=10:5"));
  }

  @Test
  void sizesParseAsDockerDoes() {
    assertEquals(512L << 20, Limits.parseSize("memory", "512m"));
    assertEquals(1L << 30, Limits.parseSize("memory", "1g"));
    assertEquals(1536L << 20, Limits.parseSize("memory", "1.5GB"));
    assertEquals(4096, Limits.parseSize("memory", "4096"));
    assertThrows(IllegalArgumentException.class, () -> Limits.parseSize("memory", "lots"));
    assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withMemoryBytes(1024));
  }

  @Test
  void capabilitiesFollowDockersAddDropRule() {
    assertEquals(Capabilities.DOCKER_DEFAULT, Capabilities.resolve(List.of(), List.of()));
    assertEquals(0xa80425fbL, Capabilities.mask(Capabilities.DOCKER_DEFAULT));
    assertEquals(Set.of("CAP_NET_ADMIN"), Capabilities.resolve(List.of("net_admin"), List.of("ALL")));
    assertTrue(Capabilities.resolve(List.of("ALL"), List.of()).contains("CAP_SYS_ADMIN"));
  }

  @Test
  void usersResolveFromTheImagesFiles(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\nwheel:x:10:app\n");
    assertEquals(new ContainerUser(1000, 1000, List.of(10), "/home/app"), ContainerUser.resolve("app", List.of(root)));
    assertEquals(new ContainerUser(1000, 10, List.of(), "/home/app"), ContainerUser.resolve("1000:wheel", List.of(root)));
    assertEquals(0, ContainerUser.resolve("", List.of(root)).uid());
    assertEquals(4242, ContainerUser.resolve("4242", List.of(root)).uid());
    var e = assertThrows(IllegalArgumentException.class, () -> ContainerUser.resolve("ghost", List.of(root)));
    assertTrue(e.getMessage().contains("ghost"));
  }
}
