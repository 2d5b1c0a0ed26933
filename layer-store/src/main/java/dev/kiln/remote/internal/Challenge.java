package dev.kiln.remote.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code WWW-Authenticate} challenge: a scheme ({@code basic} or {@code bearer}, lowercased)
 * and its parameters (realm, service, scope …).
 *
 * @param scheme the scheme, lowercased
 * @param params the parameters, names lowercased
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">distribution, token
 *     authentication</a>
 */
public record Challenge(String scheme, Map<String, String> params) {
  /** Copies. */
  public Challenge {
    params = Map.copyOf(params);
  }

  /** Returns a parameter, or "" when absent. */
  public String param(String name) {
    return params.getOrDefault(name, "");
  }

  /**
   * Picks the challenge kiln answers among the header values: Bearer over Basic.
   *
   * @param headers every {@code WWW-Authenticate} value of a response
   * @return the challenge, or empty when none is Basic or Bearer
   */
  public static Optional<Challenge> pick(List<String> headers) {
    List<Challenge> all = new ArrayList<>();
    for (String h : headers) {
      all.addAll(parse(h));
    }
    return all.stream().filter(c -> c.scheme.equals("bearer")).findFirst()
        .or(() -> all.stream().filter(c -> c.scheme.equals("basic")).findFirst());
  }

  /**
   * Parses one header value, which may hold several challenges
   * ({@code Bearer realm="x",service="y", Basic realm="z"}).
   *
   * @param header the value
   * @return the challenges, in order; malformed parts are dropped
   */
  public static List<Challenge> parse(String header) {
    List<Challenge> out = new ArrayList<>();
    int i = 0;
    int n = header.length();
    String scheme = null;
    Map<String, String> params = new LinkedHashMap<>();
    while (i < n) {
      while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') {
        i++;
      }
      if (start == i) {
        break;
      }
      String token = header.substring(start, i);
      if (i < n && header.charAt(i) == '=') {
        i++;
        String value;
        if (i < n && header.charAt(i) == '"') {
          StringBuilder sb = new StringBuilder();
          i++;
          while (i < n && header.charAt(i) != '"') {
            if (header.charAt(i) == '\\' && i + 1 < n) {
              i++;
            }
            sb.append(header.charAt(i++));
          }
          i++;
          value = sb.toString();
        } else {
          int vs = i;
          while (i < n && header.charAt(i) != ',') {
            i++;
          }
          value = header.substring(vs, i).strip();
        }
        if (scheme != null) {
          params.put(token.toLowerCase(Locale.ROOT), value);
        }
      } else {
        if (scheme != null) {
          out.add(new Challenge(scheme, params));
        }
        scheme = token.toLowerCase(Locale.ROOT);
        params = new LinkedHashMap<>();
      }
    }
    if (scheme != null) {
      out.add(new Challenge(scheme, params));
    }
    return out;
  }
}
