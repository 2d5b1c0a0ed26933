package dev.kiln.buildfile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Global ARGs, build arguments and re-declaration inside stages. */
class ArgScopesTest {
  private static final ParseResult R =
      Buildfile.parse(
          "Dockerfile",
          """
          ARG REGISTRY=docker.io
          ARG IMAGE=${REGISTRY}/library/alpine
          ARG TAG
          FROM ${IMAGE}:${TAG:-3.20}
          ARG TAG
          ARG IMAGE
          ARG LOCAL=x
          ARG REGISTRY=override
          """);

  @Test
  void globalDefaultsExpandInOrderAndBuildArgsOverride() {
    Map<String, String> g = ArgScopes.global(R, Map.of(), Map.of("BUILDPLATFORM", "linux/amd64"));
    assertEquals(Map.of("REGISTRY", "docker.io", "IMAGE", "docker.io/library/alpine", "BUILDPLATFORM", "linux/amd64"), g);
    From from = (From) Expansions.apply(R.stages().get(0).from(), g, R.escape());
    assertEquals("docker.io/library/alpine:3.20", from.image());
    Map<String, String> withArgs = ArgScopes.global(R, Map.of("REGISTRY", "ghcr.io", "TAG", "edge", "UNDECLARED", "x"), Map.of());
    assertEquals(Map.of("REGISTRY", "ghcr.io", "IMAGE", "ghcr.io/library/alpine", "TAG", "edge"), withArgs);
  }

  @Test
  void definitionsInOneArgSeeEachOther() {
    ParseResult r = Buildfile.parse("Dockerfile", "ARG A=1 B=${A}2\nFROM scratch\n");
    assertEquals(Map.of("A", "1", "B", "12"), ArgScopes.global(r, Map.of(), Map.of()));
  }

  @Test
  void stagesSeeGlobalsOnlyThroughRedeclaration() {
    Map<String, String> g = ArgScopes.global(R, Map.of("TAG", "edge"), Map.of());
    var defs = R.stages().get(0).instructions().stream().map(i -> ((Arg) i).definitions().get(0)).toList();
    assertEquals(Optional.of("edge"), ArgScopes.value(defs.get(0), Map.of("TAG", "edge"), g));
    assertEquals(Optional.of("docker.io/library/alpine"), ArgScopes.value(defs.get(1), Map.of(), g));
    assertEquals(Optional.of("x"), ArgScopes.value(defs.get(2), Map.of(), g));
    assertEquals(Optional.of("override"), ArgScopes.value(defs.get(3), Map.of(), g), "a stage default beats the global value");
    assertEquals(Optional.empty(), ArgScopes.value(new Arg.Definition("NOPE", "", false), Map.of(), g));
  }
}
