package dev.kiln.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.JarEntry;

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
    URL url = Shims.class.getResource(RESOURCE);
    if (url == null) {
      throw new IOException("kiln-shim missing from the class path: build runtime-shim with gcc (apt-get install gcc libc6-dev)");
    }
    // Every container start comes here: name the extracted copy by the jar entry's CRC and size,
    // which the jar's directory holds, rather than inflating and hashing the binary each time.
    // (the cached JarFile: closing no stream of our own must leave no descriptor open)
    URLConnection c = url.openConnection();
    String id = c instanceof JarURLConnection jar ? entryId(jar.getJarEntry()) : null;
    Path target = id == null ? null : binDir.resolve("kiln-shim-" + id);
    if (target != null && Files.isExecutable(target)) {
      return target;
    }
    byte[] bytes;
    try (InputStream in = url.openStream()) {
      bytes = in.readAllBytes();
    }
    if (target == null) {
      target = binDir.resolve("kiln-shim-" + sha256Prefix(bytes));
      if (Files.isExecutable(target)) {
        return target;
      }
    }
    Files.createDirectories(binDir);
    Path tmp = Files.createTempFile(binDir, ".kiln-shim", ".tmp");
    Files.write(tmp, bytes);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return target;
  }

  private static String entryId(JarEntry e) {
    return e.getCrc() < 0 || e.getSize() < 0 ? null
        : String.format("%08x-%d", e.getCrc(), e.getSize());
  }

  // A class-path directory (tests): no jar directory to ask, hash the content.
  private static String sha256Prefix(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
