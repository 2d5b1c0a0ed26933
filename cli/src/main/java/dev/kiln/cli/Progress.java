package dev.kiln.cli;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.Digest;
import dev.kiln.remote.TransferListener;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Progress of a push or pull on stderr: on a terminal, one redrawn bar per blob with bytes, rate
 * and ETA; otherwise one plain line per finished blob; nothing with --quiet. Thread-safe.
 */
final class Progress implements TransferListener, AutoCloseable {
  private static final long REDRAW_NANOS = 150_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final boolean quiet;
  // Mutable under "this": blob → its state, in first-seen order.
  private final Map<Digest, Line> lines = new LinkedHashMap<>();
  private int drawn;
  private long lastDraw;

  private static final class Line {
    final Descriptor blob;
    final long start = System.nanoTime();
    long done;
    String status = "waiting";

    Line(Descriptor blob) {
      this.blob = blob;
    }
  }

  Progress(PrintWriter err, boolean quiet) {
    this.err = err;
    this.quiet = quiet;
    this.terminal = System.console() != null && System.console().isTerminal()
        && !"dumb".equals(System.getenv("TERM"));
  }

  @Override
  public synchronized void started(Descriptor blob) {
    line(blob).status = "";
    redraw(false);
  }

  @Override
  public synchronized void progress(Descriptor blob, long done) {
    line(blob).done = done;
    redraw(false);
  }

  @Override
  public synchronized void finished(Descriptor blob, Outcome outcome) {
    Line l = line(blob);
    l.status = switch (outcome) {
      case FETCHED -> "fetched";
      case PRESENT -> "already present";
      case PUSHED -> "pushed";
      case EXISTS -> "already exists";
      case MOUNTED -> "mounted";
    };
    if (outcome == Outcome.FETCHED || outcome == Outcome.PUSHED) {
      l.done = blob.size();
    }
    if (quiet) {
      return;
    }
    if (terminal) {
      redraw(true);
    } else {
      double secs = (System.nanoTime() - l.start) / 1e9;
      err.println(shortDigest(blob.digest()) + ": " + l.status + " " + Units.bytes(blob.size())
          + (outcome == Outcome.FETCHED || outcome == Outcome.PUSHED
              ? String.format(" in %.1f s", secs) : ""));
      err.flush();
    }
  }

  private Line line(Descriptor blob) {
    return lines.computeIfAbsent(blob.digest(), d -> new Line(blob));
  }

  private void redraw(boolean force) {
    if (quiet || !terminal) {
      return;
    }
    long now = System.nanoTime();
    if (!force && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    StringBuilder sb = new StringBuilder();
    if (drawn > 0) {
      sb.append("\033[").append(drawn).append('A');
    }
    for (Line l : lines.values()) {
      sb.append("\r\033[2K").append(render(l, now)).append('\n');
    }
    drawn = lines.size();
    err.print(sb);
    err.flush();
  }

  private static String render(Line l, long now) {
    String head = shortDigest(l.blob.digest()) + " ";
    if (!l.status.isEmpty() && !l.status.equals("waiting")) {
      return head + l.status + " " + Units.bytes(l.blob.size());
    }
    if (l.status.equals("waiting")) {
      return head + "waiting";
    }
    long size = Math.max(1, l.blob.size());
    int width = 24;
    int filled = (int) Math.min(width, l.done * width / size);
    double secs = Math.max(1e-3, (now - l.start) / 1e9);
    double rate = l.done / secs;
    long eta = rate > 0 ? (long) ((size - l.done) / rate) : -1;
    return head + "[" + "=".repeat(filled) + " ".repeat(width - filled) + "] "
        + Units.bytes(l.done) + " / " + Units.bytes(l.blob.size()) + "  "
        + Units.bytes((long) rate) + "/s" + (eta >= 0 ? "  ETA " + eta + "s" : "");
  }

  private static String shortDigest(Digest d) {
    return d.algorithm() + ":" + d.encoded().substring(0, 12);
  }

  @Override
  public synchronized void close() {
    redraw(true);
  }
}
