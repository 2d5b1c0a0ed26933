package dev.kiln.oci;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A parsed media type: {@code type/subtype} and parameters, as in a {@code Content-Type} header.
 *
 * @param type the top-level type, lowercase
 * @param subtype the subtype including any {@code +suffix}, lowercase
 * @param parameters the parameters, names lowercase, in order of appearance
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6838#section-4.2">RFC 6838 §4.2</a>
 */
public record MediaType(String type, String subtype, Map<String, String> parameters) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  /**
   * Validates and copies.
   *
   * @throws OciFormatException ({@link ErrorCode#MANIFEST_INVALID}) for a malformed part
   */
  public MediaType {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(subtype, "subtype");
    if (!NAME.matcher(type).matches() || !NAME.matcher(subtype).matches()) {
      throw new OciFormatException(
          ErrorCode.MANIFEST_INVALID, "invalid media type '" + type + "/" + subtype + "'");
    }
    parameters = Map.copyOf(parameters);
  }

  /**
   * Parses a media type, with optional parameters.
   *
   * @param text e.g. {@code application/vnd.oci.image.manifest.v1+json; charset=utf-8}
   * @return the media type
   * @throws OciFormatException ({@link ErrorCode#MANIFEST_INVALID}) when malformed
   */
  public static MediaType parse(String text) {
    String[] parts = text.split(";", -1);
    String essence = parts[0].strip().toLowerCase(Locale.ROOT);
    int slash = essence.indexOf('/');
    if (slash < 0) {
      throw new OciFormatException(
          ErrorCode.MANIFEST_INVALID, "invalid media type '" + text + "': missing '/'");
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].strip();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new OciFormatException(
            ErrorCode.MANIFEST_INVALID, "invalid media type '" + text + "': bad parameter '" + p + "'");
      }
      String value = p.substring(eq + 1).strip();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      params.put(p.substring(0, eq).strip().toLowerCase(Locale.ROOT), value);
    }
    return new MediaType(essence.substring(0, slash), essence.substring(slash + 1), params);
  }

  /** Returns {@code type/subtype} without parameters. */
  public String essence() {
    return type + "/" + subtype;
  }

  /** Returns the structured-syntax suffix ({@code json} for {@code …+json}), or "" when none. */
  public String suffix() {
    int plus = subtype.lastIndexOf('+');
    return plus < 0 ? "" : subtype.substring(plus + 1);
  }

  /** Returns the media type as header text: the essence, then {@code ; name=value} per parameter. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(essence());
    parameters.forEach((k, v) -> sb.append("; ").append(k).append('=').append(v));
    return sb.toString();
  }
}
