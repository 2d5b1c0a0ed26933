package dev.kiln.remote.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS set-up: the system's trusted CAs plus those of a PEM file. */
public final class Tls {
  private Tls() {}

  /**
   * A socket factory and the trust manager behind it.
   *
   * @param factory the socket factory
   * @param trustManager its trust manager
   */
  public record Context(SSLSocketFactory factory, X509TrustManager trustManager) {}

  /**
   * Trusts the system's CAs and every certificate in a PEM file.
   *
   * @param pemFile the file
   * @return the TLS context
   * @throws IOException naming the file when it is missing or holds no certificate
   */
  public static Context withExtraCas(Path pemFile) throws IOException {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (X509Certificate c : systemTrust().getAcceptedIssuers()) {
        ks.setCertificateEntry("system-" + i++, c);
      }
      Collection<? extends Certificate> extra;
      try (InputStream in = Files.newInputStream(pemFile)) {
        extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
      } catch (NoSuchFileException e) {
        throw new IOException("CA file " + pemFile + " does not exist");
      }
      if (extra.isEmpty()) {
        throw new IOException("CA file " + pemFile + " holds no PEM certificate");
      }
      for (Certificate c : extra) {
        ks.setCertificateEntry("extra-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, null);
      return new Context(ctx.getSocketFactory(), tm);
    } catch (java.security.cert.CertificateException e) {
      throw new IOException("CA file " + pemFile + " is not PEM certificates: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS with CA file " + pemFile + ": " + e.getMessage(), e);
    }
  }

  private static X509TrustManager systemTrust() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }
}
