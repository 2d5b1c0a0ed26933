package dev.kiln.build.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.buildfile.IgnorePatterns;
import dev.kiln.oci.Digest;
import dev.kiln.oci.Digests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextFilesTest {
  @TempDir Path tmp;

  @Test
  void listsTheContextAfterTheIgnorePatterns() throws Exception {
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.createDirectories(ctx.resolve("node_modules/x"));
    Files.writeString(ctx.resolve("node_modules/x/a.js"), "x");
    Files.writeString(ctx.resolve("keep.txt"), "k");
    Files.writeString(ctx.resolve("drop.log"), "d");
    ContextFiles files = new ContextFiles(ctx, IgnorePatterns.of(List.of("node_modules", "*.log")), tmp.resolve("cache"));
    assertEquals(List.of("keep.txt"), List.copyOf(files.entries().keySet()));
  }

  @Test
  void unchangedSizeMtimeAndInodeAreNotReadAgainAcrossBuilds() throws Exception {
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path cache = Files.createDirectories(tmp.resolve("cache").resolve("context")).getParent();
    Path f = ctx.resolve("f.txt");
    Files.writeString(f, "one");
    FileTime mtime = FileTime.fromMillis(1_700_000_000_000L);
    Files.setLastModifiedTime(f, mtime);
    ContextFiles first = new ContextFiles(ctx, IgnorePatterns.of(List.of()), cache);
    Digest one = first.digest("f.txt");
    assertEquals(Digests.sha256("one".getBytes(StandardCharsets.UTF_8)), one);
    first.save();

    // Same size, same mtime, same inode: the next build trusts the index and does not read it.
    Files.writeString(f, "two");
    Files.setLastModifiedTime(f, mtime);
    assertEquals(one, new ContextFiles(ctx, IgnorePatterns.of(List.of()), cache).digest("f.txt"));

    // Any of the three changed: read again.
    Files.setLastModifiedTime(f, FileTime.fromMillis(1_700_000_001_000L));
    ContextFiles third = new ContextFiles(ctx, IgnorePatterns.of(List.of()), cache);
    Digest two = third.digest("f.txt");
    assertEquals(Digests.sha256("two".getBytes(StandardCharsets.UTF_8)), two);
    third.save();
    Path moved = ctx.resolve("g.txt");
    Files.writeString(moved, "six");
    Files.setLastModifiedTime(moved, FileTime.fromMillis(1_700_000_001_000L));
    Files.move(moved, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // a new inode
    assertNotEquals(two, new ContextFiles(ctx, IgnorePatterns.of(List.of()), cache).digest("f.txt"));
  }
}
