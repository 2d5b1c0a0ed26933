package dev.kiln.buildfile;

/**
 * One typed buildfile instruction. The builder converts them with an exhaustive {@code switch},
 * so a new instruction does not compile until every consumer handles it.
 *
 * <p>Arguments are kept as written (variables unexpanded); {@link Expansions} says which of them
 * the builder expands and does it.
 */
public sealed interface Instruction
    permits From,
        Run,
        Copy,
        Add,
        Env,
        Arg,
        Label,
        Expose,
        User,
        Workdir,
        Volume,
        Entrypoint,
        Cmd,
        Shell,
        Healthcheck,
        StopSignal,
        Onbuild,
        Maintainer {
  /** Where the instruction is, from its keyword to its last line (heredocs included). */
  SourceRange range();

  /** The instruction keyword in upper case, e.g. {@code COPY}. */
  default String keyword() {
    return getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
  }
}
