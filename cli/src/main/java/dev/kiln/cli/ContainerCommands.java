package dev.kiln.cli;

import dev.kiln.runtime.Containers;
import dev.kiln.runtime.ShimException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** What the container commands share: the kiln root, and Docker's exit codes for failures. */
final class ContainerCommands {
  private ContainerCommands() {}

  /** A command body that may fail. */
  interface Body {
    int run() throws Exception;
  }

  /** The containers under the store root the command line selects (see {@link KilnCommand#root()}). */
  static Containers containers(CommandSpec spec) {
    return new Containers(KilnCommand.of(spec).root());
  }

  /** What stop, kill and rm do to one container. */
  interface EachContainer {
    void apply(Containers containers, String name) throws Exception;
  }

  /** Applies ACTION to each named container in turn, printing each name as docker does. */
  static int forEach(CommandSpec spec, List<String> names, EachContainer action) {
    return call(() -> {
      Containers containers = containers(spec);
      for (String n : names) {
        action.apply(containers, n);
        System.out.println(n);
      }
      return 0;
    });
  }

  /**
   * Runs BODY, turning failures into one line on stderr and Docker's exit codes: 125 for bad input
   * and kiln's own errors, 126/127 when the command cannot be run or is not found.
   */
  static int call(Body body) {
    try {
      return body.run();
    } catch (ShimException e) {
      System.err.println("kiln: " + e.getMessage());
      return e.exitCode();
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("kiln: " + e.getMessage());
      return 125;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("kiln: interrupted");
      return 125;
    } catch (Exception e) {
      System.err.println("kiln: " + e.getMessage());
      return 125;
    }
  }

  /** "3 seconds ago" style ages for tables. */
  static String ago(Instant t) {
    long s = Math.max(0, Duration.between(t, Instant.now()).toSeconds());
    if (s < 60) return s + " seconds ago";
    if (s < 3600) return s / 60 + " minutes ago";
    if (s < 86400) return s / 3600 + " hours ago";
    return s / 86400 + " days ago";
  }

  /** Human sizes: 1.5MiB. */
  static String size(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, units[u]);
  }
}
