package dev.kiln.remote.internal;

import java.util.List;

/**
 * The registry and token scopes a request needs, attached to each OkHttp request as its tag so
 * the auth layer can ask for a token that covers all of them at once.
 *
 * @param registry the registry host[:port] as the user named it (the credentials key)
 * @param scopes e.g. {@code repository:team/app:pull,push}, sorted
 */
public record Scope(String registry, List<String> scopes) {
  /** Copies and sorts, so equal needs share one cached token. */
  public Scope {
    scopes = scopes.stream().distinct().sorted().toList();
  }

  /**
   * Returns the scope to pull from a repository.
   *
   * @param registry the registry
   * @param repository the repository
   * @return the scope
   */
  public static Scope pull(String registry, String repository) {
    return new Scope(registry, List.of("repository:" + repository + ":pull"));
  }

  /**
   * Returns the scope to push to a repository, plus pull access to mount sources.
   *
   * @param registry the registry
   * @param repository the destination repository
   * @param mountFrom repositories blobs may be mounted from
   * @return the scope
   */
  public static Scope push(String registry, String repository, List<String> mountFrom) {
    List<String> s = new java.util.ArrayList<>();
    s.add("repository:" + repository + ":pull,push");
    for (String from : mountFrom) {
      if (!from.equals(repository)) {
        s.add("repository:" + from + ":pull");
      }
    }
    return new Scope(registry, s);
  }
}
