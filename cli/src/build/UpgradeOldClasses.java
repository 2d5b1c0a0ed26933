import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Build step for the shaded kiln.jar: rewrites class files older than Java 6 (major version < 50;
 * picocli ships Java 5 classes) as Java 8 class files with stack maps. The JDK's AOT cache skips
 * "old" classes, so without this every kiln command loads and verifies picocli's ~170 classes
 * from the jar with the old type-inferring verifier. The bytecode itself is unchanged.
 *
 * <p>Usage: {@code java UpgradeOldClasses.java JAR} (rewrites JAR in place).
 */
public final class UpgradeOldClasses {
  private static final int TARGET_MAJOR = 52;

  public static void main(String[] args) throws IOException {
    Path jar = Path.of(args[0]);
    Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
    int upgraded = 0;
    try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        JarFile in = new JarFile(jar.toFile());
        JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp))) {
      // stack maps name the common supertypes of merged frames: resolve them from the jar itself
      ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
          ClassFile.ClassHierarchyResolverOption.of(
              ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
      for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        byte[] bytes;
        try (InputStream s = in.getInputStream(entry)) {
          bytes = s.readAllBytes();
        }
        if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")
            && major(bytes) < 50) {
          bytes = upgrade(cf, bytes);
          var errors = cf.verify(bytes);
          if (!errors.isEmpty()) {
            throw new IllegalStateException(entry.getName() + " does not verify once upgraded: " + errors.getFirst());
          }
          upgraded++;
        }
        JarEntry copy = new JarEntry(entry.getName());
        copy.setTime(entry.getTime());
        out.putNextEntry(copy);
        out.write(bytes);
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("UpgradeOldClasses: " + upgraded + " class files of " + jar + " now version " + TARGET_MAJOR);
  }

  private static int major(byte[] classFile) {
    return classFile.length < 8 ? Integer.MAX_VALUE : ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
  }

  private static byte[] upgrade(ClassFile cf, byte[] bytes) {
    ClassModel model = cf.parse(bytes);
    // Re-emitting every instruction (not the ACCEPT_ALL fast path, which copies code as is) lets
    // the builder compute the stack maps a version-52 class needs.
    CodeTransform reemit = (code, element) -> code.with(element);
    ClassTransform toJava8 = (clazz, element) -> {
      if (element instanceof ClassFileVersion) {
        clazz.withVersion(TARGET_MAJOR, 0);
      } else {
        clazz.with(element);
      }
    };
    return cf.transformClass(model, toJava8.andThen(ClassTransform.transformingMethodBodies(reemit)));
  }
}
