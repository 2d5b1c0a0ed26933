package dev.kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C shim built with AddressSanitizer and UBSan: malformed plans and a real container run clean. */
class ShimAsanIT {
  @TempDir static Path tmp;
  static Path shim;

  @BeforeAll
  static void build() throws Exception {
    Rootfs.requireTool("gcc", "gcc");
    Path src = Rootfs.repoRoot().resolve("runtime-shim/src/main/c");
    shim = tmp.resolve("kiln-shim-asan");
    var cmd = new ArrayList<>(List.of("gcc", "-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all", "-o", shim.toString()));
    try (Stream<Path> s = Files.list(src)) {
      s.filter(p -> p.toString().endsWith(".c")).sorted().forEach(p -> cmd.add(p.toString()));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  record Run(int code, String stderr) {}

  static Run shim(Path plan) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(shim.toString(), plan.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    // the plan's strings live until exit on purpose; leaks are not the question here
    pb.environment().put("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0");
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), err);
  }

  @Test
  void malformedPlansFailWithTheLineNamed() throws Exception {
    String[][] cases = {
        {"rootfs\t/x\narg\tsh\nbogus\tkey\n", "plan line 3: unknown key bogus"},
        {"rootfs\t/x\nupper\tonly-one\narg\tsh\n", "plan line 2: upper needs 2 fields"},
        {"rootfs\t/x\n", "no arg lines"},
        {"arg\tsh\n", "no rootfs line"},
        {"rootfs\t/x\narg\tsh\nrlimit\tRLIMIT_BOGUS\t1\t1\n", "unknown rlimit RLIMIT_BOGUS"},
        {"rootfs\t/x\narg\tsh\nnamespace\ttime\n", "unknown namespace time"},
        {"\t\t\n\n#c\nrootfs\t" + "a\\".repeat(3000) + "\narg\t\\\n", "kiln-shim: "},
    };
    for (String[] c : cases) {
      Path plan = tmp.resolve("bad.plan");
      Files.writeString(plan, c[0]);
      Run r = shim(plan);
      assertEquals(125, r.code(), c[1] + ": " + r.stderr());
      assertTrue(r.stderr().contains(c[1]), r.stderr());
      assertFalse(r.stderr().contains("Sanitizer"), r.stderr());
    }
  }

  @Test
  void aContainerRunsCleanUnderSanitizers() throws Exception {
    Path rootfs = Rootfs.sharedBusybox();
    Containers containers = new Containers(tmp.resolve("root"));
    RunSpec spec = RunSpec.builder().cmd(List.of("sh", "-c", "echo sanitized; exit 5")).limits(Limits.NONE.withPids(50)).build();
    Container c = containers.create(Optional.empty(), "busybox", List.of(rootfs), spec, OciRuntime.SHIM, false);
    Run r = shim(tmp.resolve("root/containers").resolve(c.id()).resolve("bundle/shim.plan"));
    assertEquals(5, r.code(), r.stderr());
    assertFalse(r.stderr().contains("Sanitizer"), r.stderr());
    assertEquals("sanitized\n", containers.logs().read(c.id(), Optional.empty(), -1).getFirst().text());
    containers.remove(c.id(), true);
  }
}
