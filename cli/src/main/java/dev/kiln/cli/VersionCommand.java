package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code kiln version}: prints kiln's version and the Java runtime it runs on. */
@Command(name = "version", description = "Show the kiln version.")
public final class VersionCommand implements Callable<Integer>, IVersionProvider {
  @Override
  public Integer call() {
    for (String line : getVersion()) {
      System.out.println(line);
    }
    return 0;
  }

  @Override
  public String[] getVersion() {
    String version = VersionCommand.class.getPackage().getImplementationVersion();
    return new String[] {
      "kiln " + (version == null ? "dev" : version),
      "java " + Runtime.version() + " " + System.getProperty("os.arch")
    };
  }
}
