package dev.kiln.buildfile;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * ARG scoping as BuildKit applies it. Global ARGs (before the first FROM) are visible to FROM lines
 * only; a stage sees a global ARG's value only after re-declaring it with {@code ARG NAME}. A build
 * argument ({@code --build-arg NAME=V}) overrides a default but only for declared names. Pure.
 */
public final class ArgScopes {
  private ArgScopes() {}

  /**
   * The values FROM lines are expanded with: each global ARG in order, its build argument if given,
   * else its default expanded with the globals before it, plus the {@code predefined} values (the
   * platform ARGs the builder sets, e.g. {@code BUILDPLATFORM}). A global ARG without default or
   * build argument is declared but unset, so it is absent.
   *
   * @throws BuildfileException when a default does not expand
   */
  public static Map<String, String> global(ParseResult result, Map<String, String> buildArgs, Map<String, String> predefined) {
    Map<String, String> scope = new LinkedHashMap<>(predefined);
    for (Arg arg : result.globalArgs()) {
      for (Arg.Definition raw : arg.definitions()) {
        // one definition at a time: ARG A=1 B=$A sees the new A, as BuildKit's meta-arg loop
        Arg one = (Arg) Expansions.apply(new Arg(arg.range(), java.util.List.of(raw)), scope, result.escape());
        Arg.Definition d = one.definitions().get(0);
        value(d, buildArgs, Map.of()).ifPresentOrElse(v -> scope.put(d.name(), v), () -> scope.remove(d.name()));
      }
    }
    return scope;
  }

  /**
   * The value {@code ARG} definition {@code d} (its default already expanded, see {@link
   * Expansions#apply}) gives inside a stage: the build argument, else the default, else the value of
   * the global ARG of that name; empty when none applies (declared but unset).
   */
  public static Optional<String> value(Arg.Definition d, Map<String, String> buildArgs, Map<String, String> globals) {
    if (buildArgs.containsKey(d.name())) {
      return Optional.of(buildArgs.get(d.name()));
    }
    if (d.hasDefault()) {
      return Optional.of(d.defaultValue());
    }
    return Optional.ofNullable(globals.get(d.name()));
  }
}
