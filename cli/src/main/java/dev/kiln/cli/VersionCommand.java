package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kiln version}: prints kiln's version and the Java runtime it runs on. */
@Command(name = "version", description = "Show the kiln version.")
public final class VersionCommand implements Callable<Integer>, IVersionProvider {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    for (String line : getVersion()) {
      spec.commandLine().getOut().println(line);
    }
    return 0;
  }

  @Override
  public String[] getVersion() {
    return KilnVersion.lines();
  }
}
