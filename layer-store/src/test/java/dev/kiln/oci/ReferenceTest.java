package dev.kiln.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ReferenceTest {
  @TestFactory
  Stream<DynamicTest> parseVectors() {
    return Vectors.table("reference/parse.txt").stream().map(row -> DynamicTest.dynamicTest(
        "'" + row.get(0) + "'", () -> {
          if (row.size() == 3) {
            OciFormatException e = assertThrows(OciFormatException.class,
                () -> Reference.parse(row.get(0), Reference.Defaults.DOCKER_HUB));
            assertEquals(ErrorCode.valueOf(row.get(1)), e.code(), e.getMessage());
            assertTrue(e.getMessage().contains(row.get(2)), e.getMessage());
            assertTrue(e.getMessage().contains("'" + row.get(0) + "'"), e.getMessage());
            return;
          }
          Reference r = Reference.parse(row.get(0), Reference.Defaults.DOCKER_HUB);
          assertEquals(row.get(1), r.registry());
          assertEquals(row.get(2), r.repository());
          assertEquals(absent(row.get(3)), r.tag());
          assertEquals(absent(row.get(4)).map(Digest::parse), r.digest());
          // The canonical text parses back to the same reference.
          assertEquals(r, Reference.parse(r.toString(), Reference.Defaults.DOCKER_HUB));
        }));
  }

  private static Optional<String> absent(String cell) {
    return cell.equals("-") ? Optional.empty() : Optional.of(cell);
  }

  @Test
  void otherDefaultsApplyOnlyWhereTheTextIsShort() {
    Reference.Defaults local = new Reference.Defaults("localhost", "", "dev");
    Reference r = Reference.parse("app", local);
    assertEquals("localhost/app:dev", r.toString());
    assertEquals("quay.io/x/app:dev", Reference.parse("quay.io/x/app", local).toString());
  }

  @Test
  void overlongNameIsRejected() {
    String text = "a".repeat(250) + "/" + "b".repeat(10);
    OciFormatException e = assertThrows(OciFormatException.class,
        () -> Reference.parse(text, Reference.Defaults.DOCKER_HUB));
    assertEquals(ErrorCode.NAME_INVALID, e.code());
  }
}
