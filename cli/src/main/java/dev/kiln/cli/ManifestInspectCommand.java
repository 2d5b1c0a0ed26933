package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.oci.RawManifest;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln manifest inspect}: prints a registry's manifest, raw or pretty. */
@Command(name = "inspect", description = "Print the manifest (or index) a registry serves for a "
    + "reference, verified against its digest.")
public final class ManifestInspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Option(names = "--raw", description = "Print the exact bytes (whose sha256 is the digest).")
  boolean raw;

  @Parameters(paramLabel = "REF", description = "e.g. 127.0.0.1:5000/team/app:1")
  String reference;

  @Override
  public Integer call() throws Exception {
    RawManifest m = registry.client().manifest(Transfers.reference(reference));
    if (raw) {
      // Exact bytes on stdout, nothing added: piping into sha256sum gives the digest.
      spec.commandLine().getOut().flush();
      PrintStream out = System.out;
      out.write(m.bytes());
      out.flush();
      return 0;
    }
    ObjectMapper mapper = new ObjectMapper();
    String pretty = mapper.writerWithDefaultPrettyPrinter()
        .writeValueAsString(mapper.readTree(new String(m.bytes(), StandardCharsets.UTF_8)));
    spec.commandLine().getOut().println(pretty);
    spec.commandLine().getErr().println("digest: " + m.digest() + "  mediaType: " + m.mediaType());
    return 0;
  }
}
