package dev.kiln.buildfile;

import java.util.ArrayList;
import java.util.List;

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
}
