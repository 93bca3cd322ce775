package org.entente.cli.pki;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.security.IdentityCertificates;
import org.entente.security.Pem;
import org.entente.security.RevocationList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiCommandsTest {
  @TempDir Path dir;

  private Path initNation(String nation) {
    Path ca = dir.resolve(nation.toLowerCase() + "-ca");
    Cli.run("pki", "init-nation", "--nation", nation, "--out", ca.toString()).succeeded();
    return ca;
  }

  private Path csr(String nation, String role, String name) {
    Path out = dir.resolve(nation.toLowerCase() + "-" + name);
    Cli.run(
            "pki",
            "csr",
            "--role",
            role,
            "--name",
            name,
            "--nation",
            nation,
            "--out",
            out.toString())
        .succeeded();
    return out;
  }

  private Path signed(Path ca, String nation, String role, String name) {
    Path holder = csr(nation, role, name);
    Cli.run(
            "pki",
            "sign",
            "--role",
            role,
            "--ca",
            ca.toString(),
            "--csr",
            holder.resolve("csr.pem").toString())
        .succeeded();
    return holder.resolve("cert.pem");
  }

  @Test
  void initNation_newDirectory_writesRootAndOwnerOnlyKey() throws Exception {
    Path ca = dir.resolve("de-ca");
    Cli.Result r = Cli.run("pki", "init-nation", "--nation", "DE", "--out", ca.toString());
    r.succeeded();
    assertThat(r.out()).contains("Created the DE root CA in " + ca);
    assertThat(Files.getPosixFilePermissions(ca.resolve("ca.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    X509Certificate root = Pem.readCertificate(ca.resolve("ca.pem"));
    assertThat(IdentityCertificates.nationOfRoot(root)).isEqualTo("DE");
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(Pem.readPrivateKey(ca.resolve("ca.key")).getAlgorithm()).isIn("EC", "ECDSA");
    assertThat(root.getNotAfter().toInstant())
        .isBetween(
            Instant.now().plus(Duration.ofDays(3649)), Instant.now().plus(Duration.ofDays(3651)));
  }

  @Test
  void initNation_directoryAlreadyHoldsCa_exitsInvalidAndLeavesFilesUnchanged() throws Exception {
    Path ca = initNation("DE");
    byte[] cert = Files.readAllBytes(ca.resolve("ca.pem"));
    byte[] key = Files.readAllBytes(ca.resolve("ca.key"));

    String line =
        Cli.run("pki", "init-nation", "--nation", "DE", "--out", ca.toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("already holds a nation CA");
    assertThat(Files.readAllBytes(ca.resolve("ca.pem"))).isEqualTo(cert);
    assertThat(Files.readAllBytes(ca.resolve("ca.key"))).isEqualTo(key);
  }

  @Test
  void initNation_lowercaseNation_exitsInvalidNamingOption() {
    Path ca = dir.resolve("ca");
    String line =
        Cli.run("pki", "init-nation", "--nation", "de", "--out", ca.toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("--nation").contains("'de'");
    assertThat(ca).doesNotExist();
  }

  @Test
  void initNation_daysOutOfRange_exitsInvalid() {
    Path ca = dir.resolve("ca");
    String line =
        Cli.run("pki", "init-nation", "--nation", "DE", "--out", ca.toString(), "--days", "0")
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("--days");
    assertThat(ca).doesNotExist();
  }

  @Test
  void csr_newDirectory_writesOwnerOnlyKeyAndRequest() throws Exception {
    Path out = dir.resolve("gpu-01");
    Cli.Result r =
        Cli.run(
            "pki",
            "csr",
            "--role",
            "node",
            "--name",
            "gpu-01",
            "--nation",
            "DE",
            "--out",
            out.toString());
    r.succeeded();
    assertThat(r.out()).contains("entente://DE/node/gpu-01");
    assertThat(Files.getPosixFilePermissions(out.resolve("key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Pem.readCsr(out.resolve("csr.pem")).getSubject()).isNotNull();
    assertThat(Pem.readPrivateKey(out.resolve("key.pem"))).isNotNull();
  }

  @Test
  void csr_keyAlreadyExists_exitsInvalidAndKeepsKey() throws Exception {
    Path out = csr("DE", "node", "gpu-01");
    byte[] key = Files.readAllBytes(out.resolve("key.pem"));
    byte[] req = Files.readAllBytes(out.resolve("csr.pem"));

    String line =
        Cli.run(
                "pki",
                "csr",
                "--role",
                "node",
                "--name",
                "gpu-01",
                "--nation",
                "DE",
                "--out",
                out.toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("refusing to replace a private key");
    assertThat(Files.readAllBytes(out.resolve("key.pem"))).isEqualTo(key);
    assertThat(Files.readAllBytes(out.resolve("csr.pem"))).isEqualTo(req);
  }

  @Test
  void csr_invalidName_exitsInvalidAndWritesNothing() {
    Path out = dir.resolve("bad");
    String line =
        Cli.run(
                "pki",
                "csr",
                "--role",
                "node",
                "--name",
                "Gpu_01",
                "--nation",
                "DE",
                "--out",
                out.toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("Gpu_01");
    assertThat(out).doesNotExist();
  }

  @Test
  void csr_unknownRole_exitsInvalidListingRoles() {
    Path out = dir.resolve("bad");
    String line =
        Cli.run(
                "pki",
                "csr",
                "--role",
                "admin",
                "--name",
                "ops",
                "--nation",
                "DE",
                "--out",
                out.toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("unknown role 'admin'").contains("operator");
    assertThat(out).doesNotExist();
  }

  @Test
  void sign_csrOfOwnNation_writesCertificateThatShowPrints() throws Exception {
    Path ca = initNation("DE");
    Path holder = csr("DE", "node", "gpu-01");

    Cli.Result signed =
        Cli.run(
            "pki",
            "sign",
            "--role",
            "node",
            "--ca",
            ca.toString(),
            "--csr",
            holder.resolve("csr.pem").toString());
    signed.succeeded();
    Path certFile = holder.resolve("cert.pem");
    assertThat(signed.out())
        .contains("Issued entente://DE/node/gpu-01")
        .contains(certFile.toString());
    X509Certificate cert = Pem.readCertificate(certFile);
    cert.verify(Pem.readCertificate(ca.resolve("ca.pem")).getPublicKey());

    Cli.Result shown = Cli.run("pki", "show", certFile.toString());
    shown.succeeded();
    assertThat(shown.out())
        .containsPattern("(?m)^identity +entente://DE/node/gpu-01$")
        .containsPattern("(?m)^role +node$")
        .containsPattern("(?m)^serial +" + cert.getSerialNumber().toString(16) + "$");
  }

  @Test
  void show_json_isParseableWithIdentityFields() throws Exception {
    Path ca = initNation("DE");
    Path certFile = signed(ca, "DE", "node", "gpu-01");
    X509Certificate cert = Pem.readCertificate(certFile);

    Cli.Result r = Cli.run("pki", "show", "--json", certFile.toString());
    r.succeeded();
    JsonNode json = new ObjectMapper().readTree(r.out());

    assertThat(json.get("kind").asText()).isEqualTo("identity");
    assertThat(json.get("identity").asText()).isEqualTo("entente://DE/node/gpu-01");
    assertThat(json.get("role").asText()).isEqualTo("node");
    assertThat(json.get("nation").asText()).isEqualTo("DE");
    assertThat(json.get("name").asText()).isEqualTo("gpu-01");
    assertThat(new BigInteger(json.get("serial").asText(), 16)).isEqualTo(cert.getSerialNumber());
    assertThat(Instant.parse(json.get("notAfter").asText()))
        .isEqualTo(cert.getNotAfter().toInstant())
        .isBetween(
            Instant.now().plus(Duration.ofDays(364)), Instant.now().plus(Duration.ofDays(366)));
    assertThat(json.get("validNow").asBoolean()).isTrue();
    assertThat(json.get("usages")).extracting(JsonNode::asText).containsExactly("clientAuth");
  }

  @Test
  void show_coordinatorWithHost_listsServerUsageAndHost() throws Exception {
    Path ca = initNation("DE");
    Path out = dir.resolve("coord");
    Cli.run(
            "pki",
            "csr",
            "--role",
            "coordinator",
            "--name",
            "coordinator",
            "--nation",
            "DE",
            "--host",
            "de.example.org",
            "--host",
            "10.0.0.7",
            "--out",
            out.toString())
        .succeeded();
    Cli.run(
            "pki",
            "sign",
            "--role",
            "coordinator",
            "--ca",
            ca.toString(),
            "--csr",
            out.resolve("csr.pem").toString())
        .succeeded();

    Cli.Result r = Cli.run("pki", "show", "--json", out.resolve("cert.pem").toString());
    r.succeeded();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("usages"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("serverAuth", "clientAuth");
    assertThat(json.get("hosts"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("de.example.org", "10.0.0.7");
  }

  @Test
  void show_rootCertificate_reportsNationRoot() throws Exception {
    Path ca = initNation("FR");
    Cli.Result r = Cli.run("pki", "show", "--json", ca.resolve("ca.pem").toString());
    r.succeeded();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("kind").asText()).isEqualTo("nation root CA");
    assertThat(json.get("nation").asText()).isEqualTo("FR");
  }

  @Test
  void show_fileWithoutCertificate_exitsInvalid() throws Exception {
    Path notPem = Files.writeString(dir.resolve("notes.txt"), "hello\n");
    String line = Cli.run("pki", "show", notPem.toString()).oneLineError(ExitCodes.INVALID);
    assertThat(line).contains(notPem.toString()).contains("no certificate found");
  }

  @Test
  void sign_foreignNationsCsr_exitsInvalidAndWritesNoCertificate() {
    Path deCa = initNation("DE");
    Path frHolder = csr("FR", "node", "gpu-01");

    String line =
        Cli.run(
                "pki",
                "sign",
                "--role",
                "node",
                "--ca",
                deCa.toString(),
                "--csr",
                frHolder.resolve("csr.pem").toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("the DE CA cannot sign").contains("FR/node/gpu-01");
    assertThat(frHolder.resolve("cert.pem")).doesNotExist();
  }

  @Test
  void sign_targetExists_exitsInvalidAndKeepsCertificate() throws Exception {
    Path ca = initNation("DE");
    Path certFile = signed(ca, "DE", "node", "gpu-01");
    byte[] before = Files.readAllBytes(certFile);

    String line =
        Cli.run(
                "pki",
                "sign",
                "--role",
                "node",
                "--ca",
                ca.toString(),
                "--csr",
                certFile.resolveSibling("csr.pem").toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("already exists");
    assertThat(Files.readAllBytes(certFile)).isEqualTo(before);
  }

  @Test
  void sign_csrAsksForAnotherRoleThanExpected_exitsInvalidAndWritesNoCertificate() {
    Path ca = initNation("DE");
    Path holder = csr("DE", "coordinator", "gpu-01");

    String line =
        Cli.run(
                "pki",
                "sign",
                "--role",
                "node",
                "--ca",
                ca.toString(),
                "--csr",
                holder.resolve("csr.pem").toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("asks for the coordinator role").contains("--role node");
    assertThat(holder.resolve("cert.pem")).doesNotExist();
  }

  @Test
  void sign_caDirectoryMissing_exitsInvalid() {
    Path holder = csr("DE", "node", "gpu-01");
    Cli.run(
            "pki",
            "sign",
            "--role",
            "node",
            "--ca",
            dir.resolve("nope").toString(),
            "--csr",
            holder.resolve("csr.pem").toString())
        .oneLineError(ExitCodes.INVALID);
    assertThat(holder.resolve("cert.pem")).doesNotExist();
  }

  @Test
  void revoke_twice_numbersListsAndAccumulatesSerials() throws Exception {
    Path ca = initNation("DE");
    X509Certificate root = Pem.readCertificate(ca.resolve("ca.pem"));
    Path first = signed(ca, "DE", "node", "gpu-01");
    Path second = signed(ca, "DE", "node", "gpu-02");
    BigInteger s1 = Pem.readCertificate(first).getSerialNumber();
    BigInteger s2 = Pem.readCertificate(second).getSerialNumber();

    Cli.Result r1 = Cli.run("pki", "revoke", "--ca", ca.toString(), "--cert", first.toString());
    r1.succeeded();
    assertThat(r1.out()).contains("Revoked serial " + s1.toString(16)).contains("(#1)");
    RevocationList l1 = RevocationList.verify(Files.readString(ca.resolve("crl.pem")), root);
    assertThat(l1.nation()).isEqualTo("DE");
    assertThat(l1.number()).isEqualTo(1);
    assertThat(l1.serials()).containsExactly(s1);

    Cli.Result r2 = Cli.run("pki", "revoke", "--ca", ca.toString(), "--cert", second.toString());
    r2.succeeded();
    assertThat(r2.out()).contains("2 certificate(s) (#2)");
    RevocationList l2 = RevocationList.verify(Files.readString(ca.resolve("crl.pem")), root);
    assertThat(l2.number()).isEqualTo(2);
    assertThat(l2.serials()).containsExactlyInAnyOrder(s1, s2);
  }

  @Test
  void revoke_certificateOfAnotherCa_exitsInvalidAndWritesNoList() {
    Path deCa = initNation("DE");
    Path frCa = initNation("FR");
    Path frCert = signed(frCa, "FR", "node", "gpu-01");

    String line =
        Cli.run("pki", "revoke", "--ca", deCa.toString(), "--cert", frCert.toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("was not issued by the DE CA");
    assertThat(deCa.resolve("crl.pem")).doesNotExist();
  }

  @Test
  void publishCrl_missingFile_exitsInvalidBeforeContactingAnyone() {
    Path missing = dir.resolve("crl.pem");
    String line =
        Cli.run(
                "pki",
                "publish-crl",
                missing.toString(),
                "--coordinator",
                "127.0.0.1:1",
                "--identity",
                dir.toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains(missing.toString()).contains("cannot read");
  }
}
