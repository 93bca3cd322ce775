package org.entente.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate signing requests: made on the machine that holds the key, so the key never travels.
 * Stateless.
 */
public final class CertificateRequests {
  private CertificateRequests() {}

  /** What a verified CSR asks for. Immutable. */
  public record Requested(
      Identity identity, List<String> hosts, org.bouncycastle.asn1.x509.SubjectPublicKeyInfo key) {}

  /**
   * Builds a CSR for an identity, signed by its own key. {@code hosts} are DNS names or IP
   * addresses a server will be reached at (coordinators), and may be empty.
   */
  public static PKCS10CertificationRequest create(
      Identity identity, List<String> hosts, KeyPair keys) {
    try {
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toUri()));
      for (String h : hosts) {
        names.add(hostName(h));
      }
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      return new JcaPKCS10CertificationRequestBuilder(subject(identity), keys.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Checks the CSR's self-signature and returns the identity and hosts it asks for. */
  public static Requested verify(PKCS10CertificationRequest csr) {
    try {
      if (!csr.isSignatureValid(
          new JcaContentVerifierProviderBuilder()
              .build(
                  new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                      .getPublicKey(csr.getSubjectPublicKeyInfo())))) {
        throw new IllegalArgumentException("certificate request signature does not verify");
      }
    } catch (OperatorCreationException | PKCSException | org.bouncycastle.openssl.PEMException e) {
      throw new IllegalArgumentException("certificate request signature cannot be checked", e);
    }
    var attrs = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
    if (attrs.length != 1) {
      throw new IllegalArgumentException("certificate request carries no identity (no SAN)");
    }
    Extensions exts = Extensions.getInstance(attrs[0].getAttrValues().getObjectAt(0));
    GeneralNames sans = GeneralNames.fromExtensions(exts, Extension.subjectAlternativeName);
    if (sans == null) {
      throw new IllegalArgumentException("certificate request carries no identity (no SAN)");
    }
    Identity identity = null;
    List<String> hosts = new ArrayList<>();
    for (GeneralName n : sans.getNames()) {
      String value = n.getName().toString();
      switch (n.getTagNo()) {
        case GeneralName.uniformResourceIdentifier -> {
          if (identity != null) {
            throw new IllegalArgumentException("certificate request names two identities");
          }
          identity = Identity.parseUri(value);
        }
        case GeneralName.dNSName -> hosts.add(value);
        case GeneralName.iPAddress -> hosts.add(ipText(n));
        default -> throw new IllegalArgumentException("unsupported SAN type " + n.getTagNo());
      }
    }
    if (identity == null) {
      throw new IllegalArgumentException("certificate request carries no entente:// identity");
    }
    return new Requested(identity, List.copyOf(hosts), csr.getSubjectPublicKeyInfo());
  }

  static X500Name subject(Identity identity) {
    return new X500Name(
        "CN="
            + identity.name()
            + ",OU="
            + identity.role().label()
            + ",O=Entente "
            + identity.nation());
  }

  static GeneralName hostName(String host) {
    boolean ip = host.matches("[0-9.]+") || host.contains(":");
    return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host);
  }

  private static String ipText(GeneralName n) {
    byte[] raw = org.bouncycastle.asn1.DEROctetString.getInstance(n.getName()).getOctets();
    try {
      return java.net.InetAddress.getByAddress(raw).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("bad IP address in SAN", e);
    }
  }
}
