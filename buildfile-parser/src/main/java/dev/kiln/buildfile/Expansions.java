package dev.kiln.buildfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Which arguments the builder expands with {@link ShellWords} (BuildKit's rule): FROM's image and
 * {@code --platform} (with global ARGs only); ADD and COPY sources, destination, {@code --chown},
 * {@code --chmod}, {@code --from}, {@code --checksum} and {@code --exclude}; ENV and LABEL keys and
 * values; ARG defaults; EXPOSE ports; USER; WORKDIR; VOLUME; STOPSIGNAL; RUN's {@code --mount}.
 * RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK and ONBUILD are left to the shell (or the later build).
 */
public final class Expansions {
  private Expansions() {}

  /** The argument texts of {@code instruction} that are expanded, in order, as written. */
  public static List<String> expandedArguments(Instruction instruction) {
    List<String> out = new ArrayList<>();
    switch (instruction) {
      case From f -> {
        out.add(f.image());
        out.add(f.platform());
      }
      case Copy c -> {
        out.addAll(c.sources());
        out.add(c.destination());
        out.add(c.chown());
        out.add(c.chmod());
        out.add(c.from());
        out.addAll(c.excludes());
      }
      case Add a -> {
        out.addAll(a.sources());
        out.add(a.destination());
        out.add(a.chown());
        out.add(a.chmod());
        out.add(a.checksum());
        out.addAll(a.excludes());
      }
      case Env e -> e.pairs().forEach(p -> out.add(p.value()));
      case Label l -> l.pairs().forEach(p -> {
        out.add(p.key());
        out.add(p.value());
      });
      case Arg a -> a.definitions().forEach(d -> out.add(d.defaultValue()));
      case Expose e -> out.addAll(e.ports());
      case User u -> out.add(u.user());
      case Workdir w -> out.add(w.path());
      case Volume v -> out.addAll(v.paths());
      case StopSignal s -> out.add(s.signal());
      case Run r -> out.addAll(r.mounts());
      case Cmd c -> {}
      case Entrypoint e -> {}
      case Shell s -> {}
      case Healthcheck h -> {}
      case Onbuild o -> {}
      case Maintainer m -> {}
    }
    out.removeIf(String::isEmpty);
    return out;
  }

  /**
   * The instruction with every expanded argument (see the class comment) replaced by its expansion
   * against {@code env}, each as one word ({@link ShellWords#word}); other arguments unchanged.
   * Within one ENV, LABEL or ARG every value sees {@code env} as it was before the instruction, as
   * in BuildKit; the caller adds the new variables afterwards.
   *
   * @param escape the buildfile's escape character ({@link ParseResult#escape()})
   * @throws BuildfileException at the instruction when a word does not expand
   */
  public static Instruction apply(Instruction instruction, Map<String, String> env, char escape) {
    ShellWords.Options options = ShellWords.Options.of(escape);
    UnaryOperator<String> w =
        text -> {
          try {
            return text.isEmpty() ? text : ShellWords.process(text, env, options).word();
          } catch (ExpansionException e) {
            throw new BuildfileException(instruction.range(), e.getMessage());
          }
        };
    return switch (instruction) {
      case From f -> new From(f.range(), w.apply(f.image()), f.stageName(), w.apply(f.platform()));
      case Copy c ->
          new Copy(
              c.range(), map(c.sources(), w), c.inlineSources(), w.apply(c.destination()), w.apply(c.from()),
              w.apply(c.chown()), w.apply(c.chmod()), c.link(), c.parents(), map(c.excludes(), w));
      case Add a ->
          new Add(
              a.range(), map(a.sources(), w), a.inlineSources(), w.apply(a.destination()), w.apply(a.chown()),
              w.apply(a.chmod()), a.link(), a.keepGitDir(), w.apply(a.checksum()), map(a.excludes(), w), a.unpack());
      case Env e -> new Env(e.range(), pairs(e.pairs(), w, false), e.legacyForm());
      case Label l -> new Label(l.range(), pairs(l.pairs(), w, true), l.legacyForm());
      case Arg a ->
          new Arg(
              a.range(),
              a.definitions().stream()
                  .map(d -> new Arg.Definition(d.name(), d.hasDefault() ? w.apply(d.defaultValue()) : "", d.hasDefault()))
                  .toList());
      case Expose e -> new Expose(e.range(), map(e.ports(), w));
      case User u -> new User(u.range(), w.apply(u.user()));
      case Workdir d -> new Workdir(d.range(), w.apply(d.path()));
      case Volume v -> new Volume(v.range(), map(v.paths(), w));
      case StopSignal s -> new StopSignal(s.range(), w.apply(s.signal()));
      case Run r -> new Run(r.range(), r.command(), map(r.mounts(), w), r.network(), r.security(), r.heredocs());
      case Cmd c -> c;
      case Entrypoint e -> e;
      case Shell s -> s;
      case Healthcheck h -> h;
      case Onbuild o -> o;
      case Maintainer m -> m;
    };
  }

  private static List<String> map(List<String> in, UnaryOperator<String> w) {
    return in.stream().map(w).toList();
  }

  private static List<KeyValue> pairs(List<KeyValue> in, UnaryOperator<String> w, boolean keys) {
    return in.stream().map(p -> new KeyValue(keys ? w.apply(p.key()) : p.key(), w.apply(p.value()))).toList();
  }
}
