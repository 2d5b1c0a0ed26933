package dev.kiln.cli;

import dev.kiln.runtime.Container;
import dev.kiln.runtime.Volume;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln volume create|ls|rm|inspect}: named volumes. */
@Command(name = "volume", description = "Manage named volumes.",
    subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Rm.class, VolumeCommand.Inspect.class})
public final class VolumeCommand {
  /** {@code kiln volume create NAME}. */
  @Command(name = "create", description = "Create a volume.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", description = "Volume name.") String name;

    @Override
    public Integer call() {
      return ContainerCommands.call(() -> {
        System.out.println(ContainerCommands.containers(spec).volumes().create(name).name());
        return 0;
      });
    }
  }

  /** {@code kiln volume ls}. */
  @Command(name = "ls", description = "List volumes.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return ContainerCommands.call(() -> {
        System.out.println("VOLUME NAME");
        for (Volume v : ContainerCommands.containers(spec).volumes().list()) System.out.println(v.name());
        return 0;
      });
    }
  }

  /** {@code kiln volume rm NAME...}: refused while a container uses the volume. */
  @Command(name = "rm", description = "Remove volumes not used by any container.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", description = "Volume names.") List<String> names;

    @Override
    public Integer call() {
      return ContainerCommands.call(() -> {
        var containers = ContainerCommands.containers(spec);
        for (String n : names) {
          List<String> users = containers.usersOfVolume(n).stream().map(Container::name).toList();
          containers.volumes().remove(n, users);
          System.out.println(n);
        }
        return 0;
      });
    }
  }

  /** {@code kiln volume inspect NAME...}: JSON. */
  @Command(name = "inspect", description = "Show volume details as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", description = "Volume names.") List<String> names;

    @Override
    public Integer call() {
      return ContainerCommands.call(() -> {
        var volumes = ContainerCommands.containers(spec).volumes();
        System.out.println("[");
        for (int i = 0; i < names.size(); i++) {
          String n = names.get(i);
          Volume v = volumes.inspect(n).orElseThrow(() -> new IllegalArgumentException("volume " + n + ": no such volume"));
          System.out.printf("  {\"Name\": \"%s\", \"Mountpoint\": \"%s\", \"CreatedAt\": \"%s\", \"Driver\": \"local\"}%s%n",
              v.name(), v.path().toString().replace("\\", "\\\\").replace("\"", "\\\""), v.created(), i + 1 < names.size() ? "," : "");
        }
        System.out.println("]");
        return 0;
      });
    }
  }
}
