package dev.kiln.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * HTTPS material: a given PEM certificate chain and key, or a CA and server certificate generated
 * with Bouncy Castle at first start under {@code <root>/tls} ({@code ca.crt}, {@code server.crt},
 * {@code server.key}) and reused after. Clients trust {@code ca.crt}, e.g. with skopeo's {@code
 * --cert-dir}.
 */
public final class Tls {
  private Tls() {}

  /** The material a listener needs and the CA clients should trust, when generated. */
  public record Material(SSLContext context, java.util.Optional<Path> caCertificate) {}

  /**
   * Loads or generates the material.
   *
   * @param cert the chain, or empty to generate
   * @param key the key with {@code cert}
   * @param dir where generated files go
   * @param hosts names and addresses the generated certificate covers (besides localhost)
   * @return the material
   * @throws IOException when files are unreadable or not PEM
   */
  public static Material load(java.util.Optional<Path> cert, java.util.Optional<Path> key, Path dir,
      List<String> hosts) throws IOException {
    try {
      if (cert.isPresent()) {
        return new Material(context(readChain(cert.get()), readKey(key.orElseThrow())),
            java.util.Optional.empty());
      }
      Path ca = dir.resolve("ca.crt");
      Path serverCert = dir.resolve("server.crt");
      Path serverKey = dir.resolve("server.key");
      if (!Files.exists(serverCert) || !Files.exists(serverKey) || !Files.exists(ca)) {
        generate(dir, ca, serverCert, serverKey, hosts);
      }
      return new Material(context(readChain(serverCert), readKey(serverKey)),
          java.util.Optional.of(ca));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("TLS setup failed: " + e.getMessage(), e);
    }
  }

  private static void generate(Path dir, Path ca, Path serverCert, Path serverKey,
      List<String> hosts) throws GeneralSecurityException, OperatorCreationException, IOException {
    Files.createDirectories(dir);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair caKeys = g.generateKeyPair();
    KeyPair serverKeys = g.generateKeyPair();
    Instant now = Instant.now();
    Date from = Date.from(now.minus(Duration.ofHours(1)));
    Date to = Date.from(now.plus(Duration.ofDays(825)));
    SecureRandom random = new SecureRandom();
    X500Name caName = new X500Name("CN=kiln registry CA " + now.getEpochSecond());
    var caBuilder = new JcaX509v3CertificateBuilder(caName, new BigInteger(96, random), from, to,
        caName, caKeys.getPublic());
    caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    caBuilder.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    X509Certificate caCert = sign(caBuilder.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(caKeys.getPrivate())));
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    names.addAll(hosts);
    List<GeneralName> san = new ArrayList<>();
    for (String n : names) {
      boolean ip = n.matches("[0-9.]+") || n.contains(":");
      san.add(ip ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(n).getHostAddress())
          : new GeneralName(GeneralName.dNSName, n));
    }
    var serverBuilder = new JcaX509v3CertificateBuilder(caName, new BigInteger(96, random), from, to,
        new X500Name("CN=" + names.iterator().next()), serverKeys.getPublic());
    serverBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    serverBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    serverBuilder.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    serverBuilder.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(san.toArray(GeneralName[]::new)));
    X509Certificate cert = sign(serverBuilder.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(caKeys.getPrivate())));
    writePem(serverKey, new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
    writePem(ca, caCert);
    writePem(serverCert, cert, caCert);
    // The CA key is not kept: nothing else should ever be signed with it.
  }

  private static X509Certificate sign(X509CertificateHolder holder)
      throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static void writePem(Path file, Object... objects) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
      for (Object o : objects) {
        pem.writeObject(o);
      }
    }
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, w.toString(), UTF_8);
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<X509Certificate> readChain(Path file)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file, UTF_8); PEMParser p = new PEMParser(r)) {
      for (Object o; (o = p.readObject()) != null; ) {
        if (o instanceof X509CertificateHolder h) {
          chain.add(sign(h));
        }
      }
    }
    if (chain.isEmpty()) {
      throw new IOException(file + ": no PEM certificate in it");
    }
    return chain;
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, UTF_8); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return c.getPrivateKey(pair.getPrivateKeyInfo());
      }
      if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
        return c.getPrivateKey(info);
      }
      throw new IOException(file + ": not a PEM private key");
    }
  }

  private static SSLContext context(List<X509Certificate> chain, PrivateKey key)
      throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] password = new char[0];
    ks.setKeyEntry("server", key, password, chain.toArray(Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    return ssl;
  }
}
