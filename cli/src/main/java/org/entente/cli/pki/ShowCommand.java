package org.entente.cli.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.security.IdentityCertificates;
import org.entente.security.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente pki show}. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = "Print a certificate's identity and validity.")
public final class ShowCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "A PEM certificate.")
  Path file;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    X509Certificate cert;
    try {
      cert = Pem.readCertificate(file);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    }
    Map<String, Object> v = new LinkedHashMap<>();
    boolean ca = cert.getBasicConstraints() >= 0;
    try {
      if (ca) {
        v.put("kind", "nation root CA");
        v.put("nation", IdentityCertificates.nationOfRoot(cert));
      } else {
        var id = IdentityCertificates.identityOf(cert);
        v.put("kind", "identity");
        v.put("identity", id.toUri());
        v.put("nation", id.nation());
        v.put("role", id.role().label());
        v.put("name", id.name());
      }
    } catch (IllegalArgumentException e) {
      throw new UserException(
          ExitCodes.INVALID, file + " is not an Entente certificate: " + e.getMessage());
    }
    v.put("serial", cert.getSerialNumber().toString(16));
    v.put("issuer", cert.getIssuerX500Principal().getName());
    v.put("notBefore", cert.getNotBefore().toInstant().toString());
    v.put("notAfter", cert.getNotAfter().toInstant().toString());
    Instant now = Instant.now();
    v.put(
        "validNow",
        !now.isBefore(cert.getNotBefore().toInstant())
            && !now.isAfter(cert.getNotAfter().toInstant()));
    v.put("usages", usages(cert));
    v.put("hosts", hosts(cert));
    var w = spec.commandLine().getOut();
    if (json) {
      Output.json(w, v);
    } else {
      v.forEach((k, val) -> w.printf("%-10s %s%n", k, val));
      w.flush();
    }
    return ExitCodes.OK;
  }

  private static List<String> usages(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      List<String> eku = cert.getExtendedKeyUsage();
      if (eku != null) {
        if (eku.contains("1.3.6.1.5.5.7.3.1")) {
          out.add("serverAuth");
        }
        if (eku.contains("1.3.6.1.5.5.7.3.2")) {
          out.add("clientAuth");
        }
      }
    } catch (CertificateParsingException e) {
      out.add("unreadable");
    }
    return out;
  }

  private static List<String> hosts(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 7) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      out.add("unreadable");
    }
    return out;
  }
}
