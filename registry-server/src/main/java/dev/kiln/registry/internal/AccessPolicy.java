package dev.kiln.registry.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what: rules of subjects × repository patterns × actions, read from an access file
 * (JSON; format in registry-server/README.md). Subjects are {@code anonymous}, {@code *} (any
 * authenticated user), {@code user:NAME} and {@code group:NAME}; patterns are globs where {@code *}
 * stays within one path component and {@code **} crosses them. Immutable and thread-safe.
 */
public final class AccessPolicy {
  /** The actions of the distribution token scope grammar, plus the catalog. */
  public static final Set<String> ACTIONS = Set.of("pull", "push", "delete", "catalog");

  private record Rule(Set<String> subjects, List<Pattern> repositories, Set<String> actions) {}

  private final Map<String, Set<String>> groupsOfUser;
  private final List<Rule> rules;

  private AccessPolicy(Map<String, Set<String>> groupsOfUser, List<Rule> rules) {
    this.groupsOfUser = groupsOfUser;
    this.rules = List.copyOf(rules);
  }

  /**
   * The policy without an access file: authenticated users may do everything; anonymous users may
   * pull the given patterns only.
   *
   * @param anonymousPull patterns anyone may pull
   * @return the policy
   */
  public static AccessPolicy authenticatedAll(List<String> anonymousPull) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule(Set.of("*"), List.of(glob("**")), ACTIONS));
    addAnonymous(rules, anonymousPull);
    return new AccessPolicy(Map.of(), rules);
  }

  /**
   * Reads an access file.
   *
   * @param file the file
   * @param anonymousPull more patterns anyone may pull
   * @return the policy
   * @throws IOException when unreadable or malformed; the message names the file and entry
   */
  public static AccessPolicy read(Path file, List<String> anonymousPull) throws IOException {
    JsonNode o;
    try {
      o = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
          .readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IOException(file + ": the access file must be a JSON object");
    }
    Map<String, Set<String>> groupsOfUser = new HashMap<>();
    var groups = o.path("groups").properties();
    for (var g : groups) {
      for (JsonNode user : g.getValue()) {
        groupsOfUser.computeIfAbsent(user.asText(), u -> new HashSet<>()).add(g.getKey());
      }
    }
    List<Rule> rules = new ArrayList<>();
    int i = 0;
    for (JsonNode r : o.path("rules")) {
      Set<String> subjects = new HashSet<>();
      r.path("subjects").forEach(s -> subjects.add(s.asText()));
      List<Pattern> patterns = new ArrayList<>();
      r.path("repositories").forEach(p -> patterns.add(glob(p.asText())));
      Set<String> actions = new HashSet<>();
      for (JsonNode a : r.path("actions")) {
        String action = a.asText();
        if (action.equals("*")) {
          actions.addAll(ACTIONS);
        } else if (!ACTIONS.contains(action)) {
          throw new IOException(file + ": rules[" + i + "]: unknown action '" + action
              + "' (pull, push, delete, catalog or *)");
        } else {
          actions.add(action);
        }
      }
      if (subjects.isEmpty() || actions.isEmpty()
          || (patterns.isEmpty() && !actions.equals(Set.of("catalog")))) {
        throw new IOException(file + ": rules[" + i
            + "] needs subjects, actions and repositories (catalog-only rules may omit them)");
      }
      rules.add(new Rule(Set.copyOf(subjects), patterns, Set.copyOf(actions)));
      i++;
    }
    addAnonymous(rules, anonymousPull);
    Map<String, Set<String>> frozen = new HashMap<>();
    groupsOfUser.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    return new AccessPolicy(Map.copyOf(frozen), rules);
  }

  private static void addAnonymous(List<Rule> rules, List<String> patterns) {
    if (!patterns.isEmpty()) {
      rules.add(new Rule(Set.of("anonymous"), patterns.stream().map(AccessPolicy::glob).toList(),
          Set.of("pull")));
    }
  }

  /**
   * Whether a user may do an action on a repository.
   *
   * @param user the authenticated user, or empty for anonymous
   * @param repository the repository; ignored for {@code catalog}
   * @param action pull, push, delete or catalog
   * @return whether it is allowed
   */
  public boolean allows(Optional<String> user, String repository, String action) {
    for (Rule r : rules) {
      if (!r.actions().contains(action) || !matches(r.subjects(), user)) {
        continue;
      }
      if (action.equals("catalog")) {
        return true;
      }
      for (Pattern p : r.repositories()) {
        if (p.matcher(repository).matches()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The subset of actions a user is allowed on a repository.
   *
   * @param user the user, or empty for anonymous
   * @param repository the repository
   * @param requested the requested actions
   * @return the granted ones, in request order
   */
  public List<String> grant(Optional<String> user, String repository, List<String> requested) {
    return requested.stream().filter(a -> allows(user, repository, a)).distinct().toList();
  }

  private boolean matches(Set<String> subjects, Optional<String> user) {
    if (user.isEmpty()) {
      return subjects.contains("anonymous");
    }
    if (subjects.contains("*") || subjects.contains("user:" + user.get())) {
      return true;
    }
    for (String g : groupsOfUser.getOrDefault(user.get(), Set.of())) {
      if (subjects.contains("group:" + g)) {
        return true;
      }
    }
    return false;
  }

  private static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
