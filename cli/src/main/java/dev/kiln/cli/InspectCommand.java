package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageConfig;
import dev.kiln.oci.Layer;
import dev.kiln.oci.RawManifest;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln inspect IMAGE…}: prints images' manifest, config and layers as JSON. */
@Command(name = "inspect", description = "Show images' manifest, config, layers and sizes as JSON.")
public final class InspectCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "IMAGE",
      description = "Reference (busybox, busybox:1.36, host:5000/x:y), digest or digest prefix.")
  List<String> images;

  @Override
  public Integer call() throws Exception {
    LayoutImageStore store = kiln.store();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    List<TaggedImage> tags = store.list();
    ArrayNode out = json.createArrayNode();
    for (String text : images) {
      Descriptor d = store.resolve(text);
      RawManifest top = store.rawManifest(d.digest());
      LayoutImage image = store.image(d);
      ImageConfig config = image.config();
      ObjectNode o = out.addObject();
      ArrayNode repoTags = o.putArray("RepoTags");
      tags.stream().filter(t -> t.descriptor().digest().equals(d.digest()))
          .forEach(t -> repoTags.add(t.reference().toString()));
      o.put("Digest", d.digest().toString());
      o.put("MediaType", top.mediaType());
      o.put("Created", config.created().map(Object::toString).orElse(""));
      o.put("Platform", config.platform().toString());
      o.put("Size", image.size());
      if (!top.digest().equals(image.rawManifest().digest())) {
        // An index: show it, then the entry chosen for this host.
        o.set("Index", json.readTree(top.bytes()));
        o.put("ManifestDigest", image.rawManifest().digest().toString());
      }
      o.set("Manifest", json.readTree(image.rawManifest().bytes()));
      try (var in = image.configBlob().open()) {
        o.set("Config", json.readTree(in));
      }
      ArrayNode layers = o.putArray("Layers");
      for (Layer l : image.layers()) {
        ObjectNode lo = layers.addObject();
        lo.put("Digest", l.descriptor().digest().toString());
        lo.put("DiffID", l.diffId().toString());
        lo.put("MediaType", l.descriptor().mediaType());
        lo.put("Size", l.descriptor().size());
      }
    }
    spec.commandLine().getOut().println(json.writeValueAsString(out));
    return 0;
  }
}
