package dev.kiln.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Finds the static shim binary: the class-path resource the build made, extracted once per content. */
final class Shims {
  private static final String RESOURCE = "kiln-shim";

  private Shims() {}

  /**
   * @param binDir directory to extract into
   * @return the path of an executable shim whose content matches this build's
   * @throws IOException when the build has no shim or it cannot be extracted
   */
  static Path extract(Path binDir) throws IOException {
    byte[] bytes;
    try (InputStream in = Shims.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IOException("kiln-shim missing from the class path: build runtime-shim with gcc (apt-get install gcc libc6-dev)");
      bytes = in.readAllBytes();
    }
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path target = binDir.resolve("kiln-shim-" + hash);
    if (Files.isExecutable(target)) return target;
    Files.createDirectories(binDir);
    Path tmp = Files.createTempFile(binDir, ".kiln-shim", ".tmp");
    Files.write(tmp, bytes);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return target;
  }
}
