package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.build.BusyboxBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln system gc} bounds the unpacked-layer cache: a layer stays while a tagged image has
 * it or a container stacks it, and goes once neither does. Real containers (root).
 */
class SystemGcIT {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private Result kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> argv = new ArrayList<>(List.of("--root=" + dir.resolve("root")));
    argv.addAll(List.of(args));
    int code = Main.run(argv.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  private long unpackedLayers() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("root/unpacked/sha256"))) {
      return s.count();
    }
  }

  @Test
  void unpackedLayersGoWhenNoImageOrContainerNeedsThem() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other/etc"));
    Files.writeString(other.resolve("motd"), "other\n");
    assertEquals(0, kiln("import", BusyboxBase.rootfs().toString(), "busybox").code());
    assertEquals(0, kiln("import", other.getParent().toString(), "other").code());
    assertEquals(0, kiln("run", "--name", "kept", "busybox", "true").code());
    // unpacked on the way to finding that the image has no such command
    assertEquals(127, kiln("run", "--rm", "other", "/no-such-command").code());
    assertEquals(2, unpackedLayers());

    // a bad --grace is refused before anything is collected
    Result badGrace = kiln("system", "gc", "--grace", "soon");
    assertEquals(Main.EXIT_ERROR, badGrace.code());
    assertTrue(badGrace.err().startsWith("kiln: --grace: duration 'soon'"), badGrace.err());
    assertEquals("", badGrace.out());
    assertEquals(2, unpackedLayers());

    // both images tagged: nothing goes
    assertTrue(kiln("system", "gc", "--grace", "0s").out().contains("Deleted 0 unpacked layers"));
    // rmi frees its image's unpacked layers at once, as docker rmi does
    Result rmi = kiln("rmi", "other");
    assertTrue(rmi.out().contains("Deleted: 1 unpacked layers"), rmi.out());
    assertEquals(1, unpackedLayers());

    // busybox untagged, but the exited container still stacks its layer
    assertEquals(0, kiln("rmi", "busybox").code());
    assertEquals(1, unpackedLayers());
    assertTrue(kiln("system", "gc", "--grace", "0s").out().contains("Deleted 0 unpacked layers"));
    assertEquals(0, kiln("rm", "kept").code());
    // nothing refers to it now, but it was unpacked within the grace period
    assertTrue(kiln("system", "gc").out().contains("Deleted 0 unpacked layers"));
    Result dry = kiln("system", "gc", "--dry-run", "--grace", "0s");
    assertTrue(dry.out().contains("Would delete 1 unpacked layers"), dry.out());
    assertEquals(1, unpackedLayers());
    Result gc = kiln("system", "gc", "--grace", "0s");
    assertTrue(gc.out().contains("Deleted 1 unpacked layers"), gc.out() + gc.err());
    assertEquals(0, unpackedLayers());
  }
}
