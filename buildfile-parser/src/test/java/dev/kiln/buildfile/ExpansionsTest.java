package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which arguments are expanded, and how. */
class ExpansionsTest {
  private static final Map<String, String> ENV = Map.of("APP", "web app", "VER", "1.2", "DIR", "/srv", "USER", "app");

  private static Instruction in(String line) {
    return Buildfile.parse("Dockerfile", "FROM alpine:3.20\n" + line + "\n").stages().get(0).instructions().get(0);
  }

  @Test
  void copyExpandsPathsAndFlagsAsSingleWords() {
    Copy c = (Copy) Expansions.apply(in("COPY --chown=$USER --from=build-${VER} \"$APP\"/bin ${DIR}/"), ENV, '\\');
    assertEquals(List.of("web app/bin"), c.sources());
    assertEquals("/srv/", c.destination());
    assertEquals("app", c.chown());
    assertEquals("build-1.2", c.from());
  }

  @Test
  void envSeesTheEnvironmentBeforeTheInstruction() {
    Env e = (Env) Expansions.apply(in("ENV VER=2 OLD=$VER NAME=\"$APP x\""), ENV, '\\');
    assertEquals(List.of(new KeyValue("VER", "2"), new KeyValue("OLD", "1.2"), new KeyValue("NAME", "web app x")), e.pairs());
  }

  @Test
  void commandsAreLeftToTheShell() {
    Instruction run = in("RUN echo $APP");
    assertEquals(run, Expansions.apply(run, ENV, '\\'));
    Run mounts = (Run) Expansions.apply(in("RUN --mount=type=cache,target=$DIR/cache make"), ENV, '\\');
    assertEquals(List.of("type=cache,target=/srv/cache"), mounts.mounts());
    assertEquals(new CommandForm.ShellScript("make"), mounts.command());
  }

  @Test
  void workdirUserExposeVolumeArgLabel() {
    assertEquals("/srv/web app", ((Workdir) Expansions.apply(in("WORKDIR $DIR/$APP"), ENV, '\\')).path());
    assertEquals("app:app", ((User) Expansions.apply(in("USER ${USER}:${USER}"), ENV, '\\')).user());
    assertEquals(List.of("8080"), ((Expose) Expansions.apply(in("EXPOSE ${PORT:-8080}"), ENV, '\\')).ports());
    assertEquals(List.of("/srv/data"), ((Volume) Expansions.apply(in("VOLUME $DIR/data"), ENV, '\\')).paths());
    assertEquals("v1.2", ((Arg) Expansions.apply(in("ARG TAG=v$VER"), ENV, '\\')).definitions().get(0).defaultValue());
    assertEquals("1.2", ((Label) Expansions.apply(in("LABEL version=$VER"), ENV, '\\')).pairs().get(0).value());
  }

  @Test
  void failedExpansionIsPositioned() {
    BuildfileException e = assertThrows(BuildfileException.class, () -> Expansions.apply(in("WORKDIR ${MISSING:?set MISSING}"), ENV, '\\'));
    assertEquals(2, e.range().startLine());
    assertEquals(true, e.problem().contains("MISSING: set MISSING"), e.problem());
  }

  @Test
  void listsTheExpandedArguments() {
    assertEquals(List.of("a", "$DEST", "$U"), Expansions.expandedArguments(in("COPY --chown=$U a $DEST")));
    assertEquals(List.of(), Expansions.expandedArguments(in("CMD echo $X")));
  }
}
