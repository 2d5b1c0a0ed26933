package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln logout}: removes a registry's login from the auth file (and its helper). */
@Command(name = "logout", description = "Remove the stored login of a registry.")
public final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Parameters(paramLabel = "REGISTRY", description = "host[:port]")
  String server;

  @Override
  public Integer call() throws Exception {
    String host = LoginCommand.normalize(server);
    var auth = registry.auth();
    if (!auth.erase(host)) {
      throw new CliException("not logged in to " + host + " (in " + auth.path() + ")");
    }
    spec.commandLine().getOut().println("Removed login credentials for " + host);
    return 0;
  }
}
