package dev.kiln.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class DigestTest {
  @TestFactory
  Stream<DynamicTest> parseVectors() {
    return Vectors.table("digest/parse.txt").stream().map(row -> DynamicTest.dynamicTest(row.get(0), () -> {
      if (row.get(1).equals("OK")) {
        Digest d = Digest.parse(row.get(0));
        assertEquals(row.get(0), d.toString());
        assertTrue(Digest.isValid(row.get(0)));
      } else {
        OciFormatException e = assertThrows(OciFormatException.class, () -> Digest.parse(row.get(0)));
        assertEquals(ErrorCode.valueOf(row.get(1)), e.code());
        assertTrue(e.getMessage().contains(row.get(0)), e.getMessage());
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> contentVectors() {
    return Vectors.table("digest/content.txt").stream().map(row -> DynamicTest.dynamicTest(
        "'" + row.get(0) + "' " + row.get(1), () -> {
          byte[] content = row.get(0).getBytes(StandardCharsets.UTF_8);
          Digest expected = Digest.parse(row.get(1));
          assertEquals(expected, Digests.of(expected.algorithm(), content));
          assertEquals(expected, Digests.of(expected.algorithm(), new ByteArrayInputStream(content)));
          // The digesting streams agree with the one-shot digest, and count.
          DigestingInputStream in =
              new DigestingInputStream(new ByteArrayInputStream(content), expected.algorithm());
          assertArrayEquals(content, in.readAllBytes());
          assertEquals(content.length, in.count());
          assertEquals(expected, in.digest());
          ByteArrayOutputStream sink = new ByteArrayOutputStream();
          DigestingOutputStream out = new DigestingOutputStream(sink, expected.algorithm());
          out.write(content);
          assertEquals(content.length, out.count());
          assertEquals(expected, out.digest());
        }));
  }

  @Test
  void verifyingStreamPassesExactContent() throws IOException {
    byte[] content = "hello layer".getBytes(StandardCharsets.UTF_8);
    try (InputStream in = new VerifyingInputStream(
        new ByteArrayInputStream(content), Digests.sha256(content), content.length, "blob x")) {
      assertArrayEquals(content, in.readAllBytes());
    }
  }

  @Test
  void verifyingStreamRejectsShortLongAndWrongContent() {
    byte[] content = "hello layer".getBytes(StandardCharsets.UTF_8);
    Digest d = Digests.sha256(content);
    SizeMismatchException shorter = assertThrows(SizeMismatchException.class, () ->
        new VerifyingInputStream(new ByteArrayInputStream(content, 0, 5), d, content.length, "blob x")
            .readAllBytes());
    assertEquals(5, shorter.actual());
    assertEquals(ErrorCode.SIZE_INVALID, shorter.code());
    assertTrue(shorter.getMessage().startsWith("blob x: expected 11 bytes, got 5"), shorter.getMessage());
    byte[] longer = "hello layer!".getBytes(StandardCharsets.UTF_8);
    assertThrows(SizeMismatchException.class, () ->
        new VerifyingInputStream(new ByteArrayInputStream(longer), d, content.length, "blob x")
            .readAllBytes());
    byte[] other = "hello LAYER".getBytes(StandardCharsets.UTF_8);
    DigestMismatchException wrong = assertThrows(DigestMismatchException.class, () ->
        new VerifyingInputStream(new ByteArrayInputStream(other), d, content.length, "blob x")
            .readAllBytes());
    assertEquals(d, wrong.expected());
    assertEquals(Digests.sha256(other), wrong.actual());
    assertEquals(ErrorCode.DIGEST_INVALID, wrong.code());
  }

  @Test
  void verifyingStreamNeverHandsOutMoreThanDeclared() throws IOException {
    byte[] longer = "0123456789".getBytes(StandardCharsets.UTF_8);
    byte[] declared = "01234".getBytes(StandardCharsets.UTF_8);
    VerifyingInputStream in = new VerifyingInputStream(
        new ByteArrayInputStream(longer), Digests.sha256(declared), 5, "blob y");
    byte[] buf = new byte[100];
    assertEquals(5, in.readNBytes(buf, 0, 5));
    assertEquals(5, in.count());
    assertThrows(SizeMismatchException.class, in::read);
  }

  @Test
  void errorTableFollowsDistribution() {
    for (ErrorCode c : ErrorCode.values()) {
      if (c.name().endsWith("_UNKNOWN") && c != ErrorCode.MANIFEST_BLOB_UNKNOWN) {
        assertEquals(404, c.status(), c.name());
      }
    }
    for (ErrorCode c : List.of(ErrorCode.DIGEST_INVALID, ErrorCode.SIZE_INVALID,
        ErrorCode.NAME_INVALID, ErrorCode.TAG_INVALID, ErrorCode.MANIFEST_INVALID,
        ErrorCode.MANIFEST_BLOB_UNKNOWN)) {
      assertEquals(400, c.status(), c.name());
    }
    assertEquals(401, ErrorCode.UNAUTHORIZED.status());
    assertEquals(403, ErrorCode.DENIED.status());
    assertEquals(405, ErrorCode.UNSUPPORTED.status());
    assertEquals(429, ErrorCode.TOOMANYREQUESTS.status());
    assertEquals(ErrorCode.UNKNOWN, ErrorCode.from("NOT_A_CODE"));
    assertEquals(ErrorCode.BLOB_UNKNOWN, ErrorCode.from("BLOB_UNKNOWN"));
  }
}
