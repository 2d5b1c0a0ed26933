package dev.kiln.store.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One downcall shape for every native function kiln calls by value (libc's file calls, libzstd's
 * stream calls): eight {@code long} arguments, a {@code long} result, errno captured.
 *
 * <p>Why one shape: the JDK spins and loads a class of its own for each distinct function
 * descriptor it links (about 25 ms of the main thread each on this project's two-core machine),
 * while a second function of a descriptor already linked costs under a millisecond. A layer
 * command needs about ten functions of ten shapes; through this one they link once.
 *
 * <p>Why this is sound on the Linux ABIs kiln runs on (SysV x86-64, AAPCS64): pointers,
 * {@code int}s and {@code size_t}s all travel in the integer argument registers (or, past the
 * sixth on x86-64, in 8-byte stack slots the caller owns), so a function reads exactly the
 * arguments it declares and ignores the rest; an {@code int} argument is the low half of the
 * {@code long} passed. An {@code int} result is the low half of the result: callers cast it
 * ({@code (int) r}), never compare the whole {@code long}. Pointers are passed as
 * {@link MemorySegment#address()}; the segment must stay reachable during the call (every caller
 * keeps it in a field). On x86-64 the JDK sets the vector-register count for variadic callees
 * ({@code open}) on every downcall.
 */
@SuppressWarnings("restricted") // the linked functions are checked by their callers
public final class Downcalls {
  private Downcalls() {}

  private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
  private static final FunctionDescriptor SHAPE = FunctionDescriptor.of(L, L, L, L, L, L, L, L, L);
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

  /** The layout of the memory a call writes errno into; allocate one per thread. */
  public static final StructLayout CAPTURE = Linker.Option.captureStateLayout();

  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /**
   * Links a function found in a lookup.
   *
   * @param lookup where the symbol is
   * @param name the function's name
   * @return a handle of type {@code (MemorySegment capture, long × 8) → long}
   * @throws IllegalStateException when the lookup has no such symbol
   */
  public static MethodHandle link(SymbolLookup lookup, String name) {
    MemorySegment symbol = lookup.find(name)
        .orElseThrow(() -> new IllegalStateException("no native function " + name));
    return Linker.nativeLinker().downcallHandle(symbol, SHAPE, ERRNO_OPTION);
  }

  /**
   * Links a libc function.
   *
   * @param name the function's name
   * @return as {@link #link(SymbolLookup, String)}
   */
  public static MethodHandle libc(String name) {
    return link(Linker.nativeLinker().defaultLookup(), name);
  }

  /**
   * Calls a linked function with up to eight arguments (unused ones are 0).
   *
   * @param fn a handle from {@link #link}
   * @param capture where errno goes ({@link #CAPTURE} layout)
   * @return the function's result; the low 32 bits for a function returning {@code int}
   */
  public static long call(MethodHandle fn, MemorySegment capture, long a, long b, long c, long d,
      long e, long f, long g, long h) {
    try {
      return (long) fn.invokeExact(capture, a, b, c, d, e, f, g, h);
    } catch (Throwable t) {
      // a downcall throws only on a JDK bug or a wrong handle type: a programming error
      throw new IllegalStateException(t);
    }
  }

  /** {@link #call} with three arguments. */
  public static long call(MethodHandle fn, MemorySegment capture, long a, long b, long c) {
    return call(fn, capture, a, b, c, 0, 0, 0, 0, 0);
  }

  /** {@link #call} with five arguments. */
  public static long call(MethodHandle fn, MemorySegment capture, long a, long b, long c, long d,
      long e) {
    return call(fn, capture, a, b, c, d, e, 0, 0, 0);
  }

  /**
   * Returns the errno a call left in a capture segment.
   *
   * @param capture the segment passed to {@link #call}
   * @return errno
   */
  public static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }
}
