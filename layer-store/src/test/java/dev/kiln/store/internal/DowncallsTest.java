package dev.kiln.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

/** The one downcall shape, on libc functions of other shapes than its own. */
class DowncallsTest {
  private static final int EBADF = 9;

  @Test
  void pointerArgumentAndSizeResult() {
    MethodHandle strlen = Downcalls.libc("strlen");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocateFrom("seventeen letters");
      assertEquals(17, Downcalls.call(strlen, a.allocate(Downcalls.CAPTURE), s.address(), 0, 0));
    }
  }

  @Test
  void intArgumentAndIntResultKeepTheirSign() {
    MethodHandle abs = Downcalls.libc("abs");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(Downcalls.CAPTURE);
      assertEquals(5, (int) Downcalls.call(abs, capture, -5, 0, 0));
      // an int argument is the low half of the long passed
      assertEquals(7, (int) Downcalls.call(abs, capture, 0xffff_ffff_0000_0007L, 0, 0));
    }
  }

  @Test
  void errnoIsCaptured() {
    MethodHandle close = Downcalls.libc("close");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(Downcalls.CAPTURE);
      assertEquals(-1, (int) Downcalls.call(close, capture, -1, 0, 0));
      assertEquals(EBADF, Downcalls.errno(capture));
    }
  }

  @Test
  void eightArguments() {
    // snprintf(buf, size, fmt, 5 ints): every argument register and two stack slots
    MethodHandle snprintf = Downcalls.libc("snprintf");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(64);
      MemorySegment fmt = a.allocateFrom("%d %d %d %d %d");
      long n = Downcalls.call(snprintf, a.allocate(Downcalls.CAPTURE), buf.address(), 64,
          fmt.address(), 1, 2, 3, 4, 5);
      assertEquals(9, (int) n);
      assertEquals("1 2 3 4 5", buf.getString(0));
    }
  }
}
