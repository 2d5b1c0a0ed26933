package dev.kiln.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The numeric identity a container process runs as, resolved from the image's /etc/passwd and
 * /etc/group the way Docker does.
 *
 * @param uid user id
 * @param gid primary group id
 * @param additionalGids supplementary groups
 * @param home home directory (for HOME), "/" when unknown
 */
public record ContainerUser(int uid, int gid, List<Integer> additionalGids, String home) {
  /** Copies the groups. */
  public ContainerUser {
    additionalGids = List.copyOf(additionalGids);
  }

  /**
   * Resolves {@code user[:group]} (names or numbers) against the root file system given as
   * read-only layers, top-most first.
   *
   * @param spec the user text; empty means root
   * @param lowers unpacked layers, top-most first
   * @return the identity
   * @throws IllegalArgumentException when a name is not in the image
   * @throws IOException when the image's files cannot be read
   */
  public static ContainerUser resolve(String spec, List<Path> lowers) throws IOException {
    String userPart = spec.isEmpty() ? "0" : spec;
    String groupPart = null;
    int colon = userPart.indexOf(':');
    if (colon >= 0) {
      groupPart = userPart.substring(colon + 1);
      userPart = userPart.substring(0, colon);
    }
    List<String[]> passwd = table(lowers, "etc/passwd");
    List<String[]> groups = table(lowers, "etc/group");
    int uid;
    int gid = 0;
    String home = "/";
    String userName = null;
    String wanted = userPart;
    Optional<String[]> entry = passwd.stream().filter(f -> f.length >= 6 && (f[0].equals(wanted) || f[2].equals(wanted))).findFirst();
    if (isNumber(userPart)) {
      uid = Integer.parseInt(userPart);
      if (entry.isPresent()) {
        gid = Integer.parseInt(entry.get()[3]);
        home = entry.get()[5];
        userName = entry.get()[0];
      }
    } else {
      String[] f = entry.orElseThrow(() -> new IllegalArgumentException("user " + spec + ": no matching entries in the image's /etc/passwd"));
      uid = Integer.parseInt(f[2]);
      gid = Integer.parseInt(f[3]);
      home = f[5];
      userName = f[0];
    }
    if (groupPart != null) {
      String g = groupPart;
      if (isNumber(g)) {
        gid = Integer.parseInt(g);
      } else {
        gid = groups.stream().filter(f -> f.length >= 3 && f[0].equals(g)).map(f -> Integer.parseInt(f[2])).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("group " + g + ": no matching entries in the image's /etc/group"));
      }
    }
    var extra = new ArrayList<Integer>();
    if (userName != null) {
      for (String[] f : groups) {
        if (f.length >= 4 && List.of(f[3].split(",")).contains(userName)) {
          int id = Integer.parseInt(f[2]);
          if (id != gid && !extra.contains(id)) extra.add(id);
        }
      }
    }
    return new ContainerUser(uid, gid, extra, home);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }

  private static List<String[]> table(List<Path> lowers, String relative) throws IOException {
    Optional<Path> file = RootFs.find(lowers, relative);
    if (file.isEmpty()) return List.of();
    var rows = new ArrayList<String[]>();
    for (String line : Files.readAllLines(file.get(), StandardCharsets.UTF_8)) {
      if (!line.isBlank() && !line.startsWith("#")) rows.add(line.split(":", -1));
    }
    return rows;
  }
}
