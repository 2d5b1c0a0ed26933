package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.ImageConfig;
import dev.kiln.store.LayoutImage;
import dev.kiln.store.LayoutImageStore;
import dev.kiln.store.TaggedImage;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kiln images}: lists the tagged images of the local store. */
@Command(name = "images", description = "List images in the local store.")
public final class ImagesCommand implements Callable<Integer> {
  @ParentCommand KilnCommand kiln;
  @Spec CommandSpec spec;

  /** Output formats. */
  enum Format { table, json }

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
      description = "table (default) or json.")
  Format format;

  @Option(names = {"-q", "--quiet"}, description = "Print only manifest digests.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    LayoutImageStore store = kiln.store();
    PrintWriter out = spec.commandLine().getOut();
    List<TaggedImage> tags = store.list();
    if (quiet) {
      tags.stream().map(t -> t.descriptor().digest().toString()).distinct().forEach(out::println);
      return 0;
    }
    Instant now = Instant.now();
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("REPOSITORY", "TAG", "DIGEST", "CREATED", "SIZE"));
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode array = json.createArrayNode();
    for (TaggedImage t : tags) {
      LayoutImage image = store.image(t.descriptor());
      ImageConfig config = image.config();
      long size = image.size();
      ObjectNode o = array.addObject();
      o.put("Reference", t.reference().toString());
      o.put("Repository", t.reference().name());
      o.put("Tag", t.reference().tag().orElse(""));
      o.put("Digest", t.descriptor().digest().toString());
      o.put("MediaType", t.descriptor().mediaType());
      o.put("Created", config.created().map(Instant::toString).orElse(""));
      o.put("Platform", config.platform().toString());
      o.put("Size", size);
      rows.add(List.of(t.reference().name(), t.reference().tag().orElse("<none>"),
          t.descriptor().digest().encoded().substring(0, 12),
          config.created().map(c -> Units.ago(c, now)).orElse("N/A"), Units.bytes(size)));
    }
    if (format == Format.json) {
      out.println(json.writeValueAsString(array));
    } else {
      out.print(Units.table(rows));
    }
    return 0;
  }
}
