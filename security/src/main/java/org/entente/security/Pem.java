package org.entente.security;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Reading and writing PEM files: certificates, PKCS#8 private keys, CSRs and CRLs. Private keys are
 * written with owner-only permissions and never over an existing file. Stateless.
 */
public final class Pem {
  private Pem() {}

  /** PEM text of a certificate, CSR or CRL. */
  public static String encode(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Writes a public object (certificate, CSR, CRL), replacing the file atomically. */
  public static void writePublic(Path file, Object object) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, encode(object), StandardCharsets.US_ASCII);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes a private key as PKCS#8 with mode 0600; refuses to replace an existing file. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(key, null));
    }
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException("refusing to overwrite existing key file " + file, e);
    }
    Files.writeString(file, out.toString(), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
  }

  /** Reads every certificate in a PEM file. */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    return readCertificates(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  /** Reads every certificate in PEM text; {@code source} names it in errors. */
  public static List<X509Certificate> readCertificates(String pem, String source)
      throws IOException {
    List<X509Certificate> certs = new ArrayList<>();
    for (Object o : readAll(new StringReader(pem), source)) {
      if (o instanceof X509CertificateHolder h) {
        try {
          certs.add(new JcaX509CertificateConverter().getCertificate(h));
        } catch (CertificateException e) {
          throw new IOException(source + ": unreadable certificate: " + e.getMessage(), e);
        }
      }
    }
    if (certs.isEmpty()) {
      throw new IOException(source + ": no certificate found (expected a PEM CERTIFICATE block)");
    }
    return certs;
  }

  /** Reads exactly one certificate. */
  public static X509Certificate readCertificate(Path file) throws IOException {
    List<X509Certificate> certs = readCertificates(file);
    return certs.get(0);
  }

  /** Reads a private key (PKCS#8 or traditional EC form). */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    for (Object o :
        readAll(Files.newBufferedReader(file, StandardCharsets.US_ASCII), file.toString())) {
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo pki) {
        return conv.getPrivateKey(pki);
      }
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
    }
    throw new IOException(file + ": no private key found (expected a PEM PRIVATE KEY block)");
  }

  /** Reads a PKCS#10 certificate signing request. */
  public static PKCS10CertificationRequest readCsr(Path file) throws IOException {
    for (Object o :
        readAll(Files.newBufferedReader(file, StandardCharsets.US_ASCII), file.toString())) {
      if (o instanceof PKCS10CertificationRequest csr) {
        return csr;
      }
    }
    throw new IOException(
        file + ": no certificate request found (expected a PEM CERTIFICATE REQUEST block)");
  }

  /** Reads a CRL from PEM text. */
  public static X509CRL readCrl(String pem, String source) throws IOException {
    for (Object o : readAll(new StringReader(pem), source)) {
      if (o instanceof X509CRLHolder h) {
        try {
          return new JcaX509CRLConverter().getCRL(h);
        } catch (java.security.cert.CRLException e) {
          throw new IOException(source + ": unreadable CRL: " + e.getMessage(), e);
        }
      }
    }
    throw new IOException(source + ": no revocation list found (expected a PEM X509 CRL block)");
  }

  private static List<Object> readAll(Reader reader, String source) throws IOException {
    List<Object> objects = new ArrayList<>();
    try (PEMParser p = new PEMParser(reader)) {
      Object o;
      while ((o = p.readObject()) != null) {
        objects.add(o);
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(source + ": not valid PEM: " + e.getMessage(), e);
    }
    return objects;
  }
}
