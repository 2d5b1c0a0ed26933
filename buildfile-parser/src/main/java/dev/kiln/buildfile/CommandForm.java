package dev.kiln.buildfile;

/**
 * How RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD give their command: an exec-form argument vector
 * (a JSON array, run without a shell) or a shell-form script (run by the SHELL).
 */
public sealed interface CommandForm permits CommandForm.Exec, CommandForm.ShellScript {
  /**
   * Exec form: {@code ["executable", "arg", …]}.
   *
   * @param args the argument vector, possibly empty
   */
  record Exec(java.util.List<String> args) implements CommandForm {
    /** Copies the list. */
    public Exec {
      args = java.util.List.copyOf(args);
    }
  }

  /**
   * Shell form: the text after the keyword, continuations joined.
   *
   * @param script the command line handed to the shell
   */
  record ShellScript(String script) implements CommandForm {
    /** Validates. */
    public ShellScript {
      java.util.Objects.requireNonNull(script);
    }
  }
}
