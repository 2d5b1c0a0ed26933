package dev.kiln.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void parsesBearerWithQuotedCommas() {
    Challenge c = Challenge.pick(List.of("Bearer realm=\"https://auth.example/token\","
        + "service=\"registry.example\",scope=\"repository:a/b:pull,push\"")).orElseThrow();
    assertEquals("bearer", c.scheme());
    assertEquals(Map.of("realm", "https://auth.example/token", "service", "registry.example",
        "scope", "repository:a/b:pull,push"), c.params());
  }

  @Test
  void prefersBearerOverBasicAcrossHeadersAndWithinOne() {
    assertEquals("bearer", Challenge.pick(List.of("Basic realm=\"x\"",
        "Bearer realm=\"https://t\"")).orElseThrow().scheme());
    List<Challenge> both = Challenge.parse("Basic realm=\"r\", Bearer realm=\"https://t\",service=s");
    assertEquals(2, both.size());
    assertEquals("s", both.get(1).param("service"));
  }

  @Test
  void unknownSchemesAreNotAnswered() {
    assertEquals(java.util.Optional.empty(), Challenge.pick(List.of("Negotiate abc")));
    assertEquals(java.util.Optional.empty(), Challenge.pick(List.of()));
  }
}
