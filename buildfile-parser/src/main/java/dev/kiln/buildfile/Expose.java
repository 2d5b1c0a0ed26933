package dev.kiln.buildfile;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code EXPOSE PORT[-PORT][/PROTO] …}. Ports stay strings because they may hold variables;
 * {@link Port#parse} reads one once expanded.
 *
 * @param range where
 * @param ports the port specifications as written
 */
public record Expose(SourceRange range, List<String> ports) implements Instruction {
  /** Copies the list. */
  public Expose {
    Objects.requireNonNull(range);
    ports = List.copyOf(ports);
  }

  /**
   * One port or port range with its protocol.
   *
   * @param first first port (1..65535)
   * @param last last port, {@code first} for a single port
   * @param protocol {@code tcp}, {@code udp} or {@code sctp}, lower case
   */
  public record Port(int first, int last, String protocol) {
    /** Validates. */
    public Port {
      if (first < 1 || last < first || last > 65535) {
        throw new IllegalArgumentException("bad port range " + first + "-" + last);
      }
      Objects.requireNonNull(protocol);
    }

    /**
     * Parses {@code 80}, {@code 80/udp}, {@code 8000-8010/tcp}; the protocol defaults to tcp and is
     * case-insensitive (as Docker's nat.ParsePortSpec).
     *
     * @throws IllegalArgumentException naming the text when it is not a port specification
     */
    public static Port parse(String text) {
      String spec = text;
      String proto = "tcp";
      int slash = spec.indexOf('/');
      if (slash >= 0) {
        proto = spec.substring(slash + 1).toLowerCase(Locale.ROOT);
        spec = spec.substring(0, slash);
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
          throw new IllegalArgumentException("invalid protocol in port " + text + ": use tcp, udp or sctp");
        }
      }
      int dash = spec.indexOf('-');
      try {
        int first = Integer.parseInt(dash < 0 ? spec : spec.substring(0, dash));
        int last = dash < 0 ? first : Integer.parseInt(spec.substring(dash + 1));
        return new Port(first, last, proto);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid port " + text + ": expected PORT[-PORT][/PROTOCOL] with ports 1-65535", e);
      }
    }
  }
}
