import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Writes an OCI image layout for benchmarks, offline and deterministic: {@code OciImage LAYOUT TAG
 * LAYERS BYTES} makes LAYERS uncompressed tar layers, each holding one file of BYTES seeded random
 * bytes. Run as a single-file program; layers stream to disk, nothing is held whole.
 */
public final class OciImage {
  private OciImage() {}

  /**
   * @param args layout directory, tag, layer count, bytes per layer
   * @throws Exception when the layout cannot be written
   */
  public static void main(String[] args) throws Exception {
    Path layout = Path.of(args[0]);
    String tag = args[1];
    int layers = Integer.parseInt(args[2]);
    long bytes = Long.parseLong(args[3]);
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    List<String> descriptors = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    Random random = new Random(42);
    byte[] buffer = new byte[1 << 20];
    for (int i = 0; i < layers; i++) {
      Path temp = blobs.resolve("tmp");
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long size = 0;
      try (OutputStream out = Files.newOutputStream(temp)) {
        byte[] header = tarHeader("f" + i, bytes);
        out.write(header);
        md.update(header);
        for (long left = bytes; left > 0; ) {
          int n = (int) Math.min(buffer.length, left);
          random.nextBytes(buffer);
          out.write(buffer, 0, n);
          md.update(buffer, 0, n);
          left -= n;
        }
        byte[] tail = new byte[(int) ((512 - bytes % 512) % 512) + 1024];
        out.write(tail);
        md.update(tail);
        size = header.length + bytes + tail.length;
      }
      String digest = "sha256:" + HexFormat.of().formatHex(md.digest());
      Files.move(temp, blobs.resolve(digest.substring(7)), StandardCopyOption.REPLACE_EXISTING);
      descriptors.add("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
          + digest + "\",\"size\":" + size + "}");
      diffIds.add("\"" + digest + "\"");
    }
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[" + String.join(",", diffIds) + "]},\"config\":{}}";
    String configRef = write(blobs, config);
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1"
        + "+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        + configRef + "},\"layers\":[" + String.join(",", descriptors) + "]}";
    String manifestRef = write(blobs, manifest);
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + manifestRef
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
  }

  // Writes a small blob; returns its "digest":…,"size":… members.
  private static String write(Path blobs, String json) throws Exception {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    Files.write(blobs.resolve(hex), b);
    return "\"digest\":\"sha256:" + hex + "\",\"size\":" + b.length;
  }

  // A ustar header for one regular file, mode 0644, owner 0, mtime 0.
  private static byte[] tarHeader(String name, long size) throws IOException {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", size));
    put(h, 136, "00000000000");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    h[156] = '0';
    put(h, 257, "ustar");
    put(h, 263, "00");
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, at, b.length);
  }
}
