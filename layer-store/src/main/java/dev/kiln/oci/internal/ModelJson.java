package dev.kiln.oci.internal;

import static dev.kiln.oci.internal.Json.*;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.ImageConfig.ContainerConfig;
import dev.kiln.oci.ImageConfig.Healthcheck;
import dev.kiln.oci.ImageConfig.History;
import dev.kiln.oci.ImageConfig.RootFs;
import dev.kiln.oci.ImageManifest;
import dev.kiln.oci.IndexManifest;
import dev.kiln.oci.Manifest;
import dev.kiln.oci.ManifestInvalidException;
import dev.kiln.oci.MediaType;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.OciFormatException;
import dev.kiln.oci.Platform;
import dev.kiln.oci.RawManifest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Reads and writes descriptors, manifests and configs as the image spec shapes them. */
public final class ModelJson {
  private ModelJson() {}

  // ---- descriptors and platforms ----

  /**
   * Reads a descriptor object.
   *
   * @param o the object
   * @param path its JSON path, for messages
   * @return the descriptor
   * @throws ShapeException when a field is missing or malformed
   */
  public static Descriptor readDescriptor(ObjectNode o, String path) throws ShapeException {
    String mediaType = requireText(o, "mediaType", path);
    Digest digest = digest(requireText(o, "digest", path), path + ".digest");
    long size = longValue(o, "size", path, -1);
    if (size < 0) {
      throw shape(path + ".size", "required non-negative integer is missing or negative");
    }
    Optional<Platform> platform = Optional.empty();
    Optional<ObjectNode> p = object(o, "platform", path);
    if (p.isPresent()) {
      platform = Optional.of(readPlatform(p.get(), path + ".platform"));
    }
    byte[] data = new byte[0];
    Optional<String> encoded = text(o, "data", path);
    if (encoded.isPresent()) {
      try {
        data = Base64.getDecoder().decode(encoded.get());
      } catch (IllegalArgumentException e) {
        throw shape(path + ".data", "not base64");
      }
      // The spec requires embedded data to match the descriptor it sits in.
      if (data.length != size || !Digests.of(digest.algorithm(), data).equals(digest)) {
        throw shape(path + ".data", "embedded data does not match the descriptor's digest and size");
      }
    }
    return new Descriptor(mediaType, digest, size, textList(o, "urls", path),
        textMap(o, "annotations", path), platform, text(o, "artifactType", path), data);
  }

  /**
   * Writes a descriptor object.
   *
   * @param d the descriptor
   * @return its JSON object
   */
  public static ObjectNode writeDescriptor(Descriptor d) {
    ObjectNode o = Json.object();
    o.put("mediaType", d.mediaType());
    o.put("digest", d.digest().toString());
    o.put("size", d.size());
    putTextList(o, "urls", d.urls());
    putTextMap(o, "annotations", d.annotations());
    byte[] data = d.data();
    if (data.length > 0) {
      o.put("data", Base64.getEncoder().encodeToString(data));
    }
    d.platform().ifPresent(p -> o.set("platform", writePlatform(p)));
    d.artifactType().ifPresent(t -> o.put("artifactType", t));
    return o;
  }

  private static Platform readPlatform(ObjectNode o, String path) throws ShapeException {
    return new Platform(requireText(o, "architecture", path), requireText(o, "os", path),
        textOrEmpty(o, "os.version", path), textList(o, "os.features", path),
        textOrEmpty(o, "variant", path), textList(o, "features", path));
  }

  private static ObjectNode writePlatform(Platform p) {
    ObjectNode o = Json.object();
    o.put("architecture", p.architecture());
    o.put("os", p.os());
    putText(o, "os.version", p.osVersion());
    putTextList(o, "os.features", p.osFeatures());
    putText(o, "variant", p.variant());
    putTextList(o, "features", p.features());
    return o;
  }

  private static Digest digest(String text, String path) throws ShapeException {
    try {
      return Digest.parse(text);
    } catch (OciFormatException e) {
      throw shape(path, e.getMessage());
    }
  }

  // ---- manifests ----

  /**
   * Decides a received manifest's media type and rejects ambiguous documents.
   *
   * @param bytes the document
   * @param contentType the received Content-Type, or ""
   * @param what names the manifest in messages
   * @return the effective media type
   * @throws ManifestInvalidException when malformed, ambiguous or unsupported
   */
  public static String effectiveMediaType(byte[] bytes, String contentType, String what)
      throws ManifestInvalidException {
    try {
      ObjectNode o = readObject(bytes);
      checkShape(o, what);
      Optional<String> declared = text(o, "mediaType", "$");
      String received = contentType.isBlank() ? "" : essence(contentType, what);
      // Generic types say nothing about which manifest this is.
      boolean receivedIsManifest = MediaTypes.isManifest(received)
          || received.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED);
      if (declared.isPresent() && receivedIsManifest && !declared.get().equals(received)) {
        throw new ManifestInvalidException(what + ": mediaType '" + declared.get()
            + "' contradicts Content-Type '" + received + "'");
      }
      String type = declared.orElse(receivedIsManifest ? received
          : o.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST);
      if (!MediaTypes.isManifest(type)) {
        throw new ManifestInvalidException(what + ": unsupported manifest media type '" + type + "'");
      }
      return type;
    } catch (ShapeException e) {
      throw new ManifestInvalidException(what + ": " + e.getMessage(), e);
    }
  }

  private static String essence(String contentType, String what) throws ManifestInvalidException {
    try {
      return MediaType.parse(contentType).essence();
    } catch (OciFormatException e) {
      throw new ManifestInvalidException(what + ": Content-Type: " + e.getMessage());
    }
  }

  private static void checkShape(ObjectNode o, String what)
      throws ShapeException, ManifestInvalidException {
    long version = longValue(o, "schemaVersion", "$", -1);
    if (version == 1) {
      throw new ManifestInvalidException(what + ": Docker schema 1 manifests are not supported");
    }
    if (version != 2) {
      throw shape("$.schemaVersion", "must be 2");
    }
    if (o.has("manifests") && (o.has("layers") || o.has("config"))) {
      throw new ManifestInvalidException(
          what + ": ambiguous document: has 'manifests' and 'layers' or 'config'");
    }
  }

  /**
   * Parses a raw manifest into its view.
   *
   * @param raw the raw manifest
   * @return the view
   * @throws ManifestInvalidException when malformed or contradicting its media type
   */
  public static Manifest readManifest(RawManifest raw) throws ManifestInvalidException {
    String what = "manifest " + raw.digest();
    String mediaType = raw.mediaType();
    try {
      ObjectNode o = readObject(raw.bytes());
      checkShape(o, what);
      Optional<String> declared = text(o, "mediaType", "$");
      if (declared.isPresent() && !declared.get().equals(mediaType)) {
        throw new ManifestInvalidException(
            what + ": mediaType '" + declared.get() + "' contradicts '" + mediaType + "'");
      }
      Optional<String> artifactType = text(o, "artifactType", "$");
      Optional<Descriptor> subject = Optional.empty();
      Optional<ObjectNode> s = object(o, "subject", "$");
      if (s.isPresent()) {
        subject = Optional.of(readDescriptor(s.get(), "$.subject"));
      }
      if (MediaTypes.isIndex(mediaType)) {
        if (o.has("layers") || o.has("config")) {
          throw new ManifestInvalidException(what + ": index has 'layers' or 'config'");
        }
        if (!o.has("manifests")) {
          throw shape("$.manifests", "required array is missing");
        }
        return new IndexManifest(2, mediaType, artifactType,
            descriptors(o, "manifests"), subject, textMap(o, "annotations", "$"));
      }
      if (MediaTypes.isImageManifest(mediaType)) {
        if (o.has("manifests")) {
          throw new ManifestInvalidException(what + ": image manifest has 'manifests'");
        }
        Optional<ObjectNode> config = object(o, "config", "$");
        if (config.isEmpty()) {
          throw shape("$.config", "required object is missing");
        }
        if (!o.has("layers")) {
          throw shape("$.layers", "required array is missing");
        }
        return new ImageManifest(2, mediaType, artifactType,
            readDescriptor(config.get(), "$.config"), descriptors(o, "layers"), subject,
            textMap(o, "annotations", "$"));
      }
      throw new ManifestInvalidException(what + ": unsupported manifest media type '" + mediaType + "'");
    } catch (ShapeException e) {
      throw new ManifestInvalidException(what + ": " + e.getMessage(), e);
    }
  }

  private static List<Descriptor> descriptors(ObjectNode o, String field) throws ShapeException {
    List<Descriptor> out = new ArrayList<>();
    List<ObjectNode> items = objects(o, field, "$");
    for (int i = 0; i < items.size(); i++) {
      out.add(readDescriptor(items.get(i), "$." + field + "[" + i + "]"));
    }
    return out;
  }

  /**
   * Writes a manifest kiln made, fields in spec order.
   *
   * @param m the manifest
   * @return its JSON bytes
   */
  public static byte[] writeManifest(Manifest m) {
    ObjectNode o = Json.object();
    o.put("schemaVersion", m.schemaVersion());
    o.put("mediaType", m.mediaType());
    m.artifactType().ifPresent(t -> o.put("artifactType", t));
    switch (m) {
      case ImageManifest im -> {
        o.set("config", writeDescriptor(im.config()));
        ArrayNode layers = o.putArray("layers");
        im.layers().forEach(d -> layers.add(writeDescriptor(d)));
      }
      case IndexManifest ix -> {
        ArrayNode manifests = o.putArray("manifests");
        ix.manifests().forEach(d -> manifests.add(writeDescriptor(d)));
      }
    }
    m.subject().ifPresent(s -> o.set("subject", writeDescriptor(s)));
    putTextMap(o, "annotations", m.annotations());
    return write(o);
  }

  // ---- configs ----

  /**
   * Parses an image config.
   *
   * @param bytes the config JSON
   * @return the config
   * @throws ManifestInvalidException when malformed
   */
  public static ImageConfig readConfig(byte[] bytes) throws ManifestInvalidException {
    try {
      ObjectNode o = readObject(bytes);
      ContainerConfig config = ContainerConfig.EMPTY;
      Optional<ObjectNode> c = object(o, "config", "$");
      if (c.isPresent()) {
        config = readContainerConfig(c.get(), "$.config");
      }
      RootFs rootfs = new RootFs("layers", List.of());
      Optional<ObjectNode> r = object(o, "rootfs", "$");
      if (r.isPresent()) {
        List<Digest> diffIds = new ArrayList<>();
        List<String> texts = textList(r.get(), "diff_ids", "$.rootfs");
        for (int i = 0; i < texts.size(); i++) {
          diffIds.add(digest(texts.get(i), "$.rootfs.diff_ids[" + i + "]"));
        }
        rootfs = new RootFs(requireText(r.get(), "type", "$.rootfs"), diffIds);
      }
      List<History> history = new ArrayList<>();
      List<ObjectNode> items = objects(o, "history", "$");
      for (int i = 0; i < items.size(); i++) {
        ObjectNode h = items.get(i);
        String path = "$.history[" + i + "]";
        history.add(new History(instant(h, "created", path), textOrEmpty(h, "author", path),
            textOrEmpty(h, "created_by", path), textOrEmpty(h, "comment", path),
            bool(h, "empty_layer", path)));
      }
      return new ImageConfig(instant(o, "created", "$"), textOrEmpty(o, "author", "$"),
          textOrEmpty(o, "architecture", "$"), textOrEmpty(o, "os", "$"),
          textOrEmpty(o, "os.version", "$"), textList(o, "os.features", "$"),
          textOrEmpty(o, "variant", "$"), config, rootfs, history);
    } catch (ShapeException e) {
      throw new ManifestInvalidException("image config: " + e.getMessage(), e);
    }
  }

  private static ContainerConfig readContainerConfig(ObjectNode c, String path)
      throws ShapeException {
    Optional<Healthcheck> healthcheck = Optional.empty();
    Optional<ObjectNode> h = object(c, "Healthcheck", path);
    if (h.isPresent()) {
      String hp = path + ".Healthcheck";
      long retries = longValue(h.get(), "Retries", hp, 0);
      healthcheck = Optional.of(new Healthcheck(textList(h.get(), "Test", hp),
          nanos(h.get(), "Interval", hp), nanos(h.get(), "Timeout", hp),
          nanos(h.get(), "StartPeriod", hp), nanos(h.get(), "StartInterval", hp),
          Math.clamp(retries, 0, Integer.MAX_VALUE)));
    }
    return new ContainerConfig(textOrEmpty(c, "User", path), keySet(c, "ExposedPorts", path),
        textList(c, "Env", path), textList(c, "Entrypoint", path), textList(c, "Cmd", path),
        keySet(c, "Volumes", path), textOrEmpty(c, "WorkingDir", path),
        textMap(c, "Labels", path), textOrEmpty(c, "StopSignal", path),
        bool(c, "ArgsEscaped", path), healthcheck, textList(c, "Shell", path),
        textList(c, "OnBuild", path));
  }

  private static Duration nanos(ObjectNode o, String field, String path) throws ShapeException {
    return Duration.ofNanos(longValue(o, field, path, 0));
  }

  private static Optional<Instant> instant(ObjectNode o, String field, String path)
      throws ShapeException {
    Optional<String> t = text(o, field, path);
    if (t.isEmpty() || t.get().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(t.get()));
    } catch (DateTimeParseException e) {
      throw shape(path + "." + field, "not an RFC 3339 time: '" + t.get() + "'");
    }
  }

  /**
   * Writes a config, fields in spec order, map keys sorted, empty fields left out.
   *
   * @param c the config
   * @return its JSON bytes
   */
  public static byte[] writeConfig(ImageConfig c) {
    ObjectNode o = Json.object();
    c.created().ifPresent(t -> o.put("created", t.toString()));
    putText(o, "author", c.author());
    o.put("architecture", c.architecture());
    o.put("os", c.os());
    putText(o, "os.version", c.osVersion());
    putTextList(o, "os.features", c.osFeatures());
    putText(o, "variant", c.variant());
    ContainerConfig cc = c.config();
    ObjectNode x = o.putObject("config");
    putText(x, "User", cc.user());
    putKeySet(x, "ExposedPorts", cc.exposedPorts());
    putTextList(x, "Env", cc.env());
    putTextList(x, "Entrypoint", cc.entrypoint());
    putTextList(x, "Cmd", cc.cmd());
    putKeySet(x, "Volumes", cc.volumes());
    putText(x, "WorkingDir", cc.workingDir());
    putTextMap(x, "Labels", cc.labels());
    putText(x, "StopSignal", cc.stopSignal());
    if (cc.argsEscaped()) {
      x.put("ArgsEscaped", true);
    }
    cc.healthcheck().ifPresent(h -> {
      ObjectNode hn = x.putObject("Healthcheck");
      putTextList(hn, "Test", h.test());
      putNanos(hn, "Interval", h.interval());
      putNanos(hn, "Timeout", h.timeout());
      putNanos(hn, "StartPeriod", h.startPeriod());
      putNanos(hn, "StartInterval", h.startInterval());
      if (h.retries() != 0) {
        hn.put("Retries", h.retries());
      }
    });
    putTextList(x, "Shell", cc.shell());
    putTextList(x, "OnBuild", cc.onBuild());
    ObjectNode rootfs = o.putObject("rootfs");
    rootfs.put("type", c.rootfs().type());
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    c.rootfs().diffIds().forEach(d -> diffIds.add(d.toString()));
    if (!c.history().isEmpty()) {
      ArrayNode history = o.putArray("history");
      for (History h : c.history()) {
        ObjectNode hn = history.addObject();
        h.created().ifPresent(t -> hn.put("created", t.toString()));
        putText(hn, "author", h.author());
        putText(hn, "created_by", h.createdBy());
        putText(hn, "comment", h.comment());
        if (h.emptyLayer()) {
          hn.put("empty_layer", true);
        }
      }
    }
    return write(o);
  }

  private static void putNanos(ObjectNode o, String field, Duration d) {
    if (!d.isZero()) {
      o.put(field, d.toNanos());
    }
  }
}
