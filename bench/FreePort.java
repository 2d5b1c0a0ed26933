/** Prints a free TCP port on 127.0.0.1 (for bench scripts; run as a single-file program). */
public final class FreePort {
  private FreePort() {}

  /**
   * @param args unused
   * @throws Exception when no port can be bound
   */
  public static void main(String[] args) throws Exception {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      System.out.println(s.getLocalPort());
    }
  }
}
