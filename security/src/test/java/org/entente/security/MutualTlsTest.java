package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.entente.proto.v1.FederationStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mutual TLS on loopback: a grpc-netty server with the production server context and identity
 * interceptor, and clients presenting good, missing, foreign, stale, misused and forged
 * certificates. Every refusal must happen before service code runs, so the service's call counter
 * is checked in each case.
 */
class MutualTlsTest {
  private static final Set<Role> COORDINATORS = Set.of(Role.COORDINATOR);
  private static final Clock CLOCK = TestCerts.CLOCK;

  private final List<TlsTestServer> servers = new ArrayList<>();
  private LocalPki pki;
  private FederationTrust serverTrust;
  private FederationTrust clientTrust;
  private TlsTestServer server;
  private LogCapture trustLog;

  @BeforeEach
  void setUp() throws IOException {
    trustLog = LogCapture.of(EntenteTrustManager.class);
    pki = LocalPki.create(CLOCK, "DE", "FR");
    serverTrust = pki.trust();
    clientTrust = pki.trust();
    server = startServer(pki.issue(new Identity("DE", Role.COORDINATOR, "coord-a"), "127.0.0.1"));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    try {
      for (TlsTestServer s : servers) {
        s.close();
      }
    } finally {
      trustLog.close();
    }
  }

  private TlsTestServer startServer(KeyMaterial own) throws IOException {
    return startServer(own, CLOCK);
  }

  private TlsTestServer startServer(KeyMaterial own, Clock clock) throws IOException {
    TlsTestServer s = TlsTestServer.start(own, serverTrust, clock);
    servers.add(s);
    return s;
  }

  private SslContext memberClient(KeyMaterial own) {
    return TlsContexts.client(own, clientTrust, CLOCK, COORDINATORS);
  }

  private SslContext presenting(TestCerts.Issued issued) {
    return presenting(issued.certificate(), issued.key());
  }

  private SslContext presenting(java.security.cert.X509Certificate cert, PrivateKey key) {
    return TlsTestServer.presentingClient(cert, key, clientTrust, CLOCK, COORDINATORS);
  }

  private static StatusRuntimeException refusedCall(ManagedChannel channel) {
    FederationStatus answered;
    try {
      answered = TlsTestServer.getFederation(channel);
    } catch (StatusRuntimeException e) {
      return e;
    }
    return fail(
        "the call must be refused, but service code answered it for %s", answered.getAnsweredBy());
  }

  /** The call fails as a failed handshake does, and no service code ran. */
  private void assertHandshakeRefused(TlsTestServer target, SslContext client) {
    int before = target.calls();
    StatusRuntimeException e = refusedCall(target.channel(client));
    assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(target.calls()).as("service calls").isEqualTo(before);
  }

  /** A fresh member still gets through, so the refusal was about the certificate under test. */
  private void assertServerStillServesMembers() {
    int before = server.calls();
    KeyMaterial member = pki.issue(new Identity("DE", Role.NODE, "control"));
    assertThat(TlsTestServer.getFederation(server.channel(memberClient(member))).getAnsweredBy())
        .isEqualTo("DE/node/control");
    assertThat(server.calls()).isEqualTo(before + 1);
  }

  private void revoke(KeyMaterial victim) {
    NationCa ca = pki.ca(victim.identity().nation());
    RevocationList list =
        RevocationList.verify(
            Pem.encode(ca.revocationList(1, List.of(victim.certificate().getSerialNumber()))),
            ca.certificate());
    assertThat(serverTrust.updateRevocations(list)).isTrue();
  }

  private static List<String> causeMessages(Throwable t) {
    List<String> messages = new ArrayList<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      messages.add(String.valueOf(c.getMessage()));
    }
    return messages;
  }

  @Test
  void getFederation_memberNode_answeredByItsIdentity() {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));

    FederationStatus status = TlsTestServer.getFederation(server.channel(memberClient(node)));

    assertThat(status.getAnsweredBy()).isEqualTo("DE/node/gpu-01");
    assertThat(server.calls()).isEqualTo(1);
  }

  @Test
  void getFederation_memberOfAnotherNation_answeredByItsIdentity() {
    KeyMaterial operator = pki.issue(new Identity("FR", Role.OPERATOR, "ops-1"));
    ManagedChannel channel = server.channel(memberClient(operator));

    assertThat(TlsTestServer.getFederation(channel).getAnsweredBy()).isEqualTo("FR/operator/ops-1");
    assertThat(TlsTestServer.getFederation(channel).getAnsweredBy()).isEqualTo("FR/operator/ops-1");
    assertThat(server.calls()).isEqualTo(2);
  }

  @Test
  void getFederation_clientWithoutCertificate_unavailable() {
    assertHandshakeRefused(server, TlsTestServer.anonymousClient(clientTrust, CLOCK, COORDINATORS));

    assertServerStillServesMembers();
  }

  @Test
  void getFederation_clientOfNationOutsideBundle_unavailable() {
    LocalPki outsider = LocalPki.create(CLOCK, "IT");
    KeyMaterial it = outsider.issue(new Identity("IT", Role.NODE, "gpu-01"));

    assertHandshakeRefused(server, presenting(it.certificate(), it.privateKey()));

    trustLog.awaitMessageContaining(
        "refused client certificate", "not issued by any member nation's root");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_clientOfImpostorRootWithMemberName_unavailable() {
    LocalPki impostor = LocalPki.create(CLOCK, "DE");
    KeyMaterial fake = impostor.issue(new Identity("DE", Role.NODE, "gpu-01"));

    // Through the production client context: the impostor root has the real root's name.
    assertHandshakeRefused(server, memberClient(fake));

    trustLog.awaitMessageContaining(
        "refused client certificate", "not issued by any member nation's root");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_expiredClientCertificate_unavailable() {
    TestCerts.Issued expired =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/gpu-01",
            TestCerts.NOW.minus(Duration.ofDays(30)),
            TestCerts.NOW.minus(Duration.ofSeconds(1)),
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertHandshakeRefused(server, presenting(expired));

    trustLog.awaitMessageContaining("refused client certificate", "expired at");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_clientCertificateNotYetValid_unavailable() {
    TestCerts.Issued early =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/gpu-01",
            TestCerts.NOW.plus(Duration.ofMinutes(1)),
            TestCerts.NOW.plus(Duration.ofDays(30)),
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertHandshakeRefused(server, presenting(early));

    trustLog.awaitMessageContaining("refused client certificate", "not valid until");
  }

  @Test
  void getFederation_serverClockPastClientExpiry_unavailable() throws IOException {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01")); // valid 365 days
    TlsTestServer later =
        startServer(
            pki.issue(new Identity("DE", Role.COORDINATOR, "coord-b"), "127.0.0.1"),
            Clock.offset(CLOCK, Duration.ofDays(366)));

    assertHandshakeRefused(later, memberClient(node));

    trustLog.awaitMessageContaining(
        "refused client certificate",
        "certificate expired at " + node.certificate().getNotAfter().toInstant());
    // The same certificate is fine for a server whose clock is at NOW.
    assertThat(TlsTestServer.getFederation(server.channel(memberClient(node))).getAnsweredBy())
        .isEqualTo("DE/node/gpu-01");
  }

  @Test
  void getFederation_nationRootAsClientCertificate_unavailable(@TempDir Path dir)
      throws IOException {
    NationCa de = pki.ca("DE");
    de.save(dir);
    PrivateKey rootKey = Pem.readPrivateKey(dir.resolve(NationCa.KEY_FILE));

    assertHandshakeRefused(server, presenting(de.certificate(), rootKey));

    trustLog.awaitMessageContaining(
        "refused client certificate", "CA certificate cannot be used as a peer certificate");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_caCertificateWithNodeIdentity_unavailable() {
    TestCerts.Issued subCa =
        TestCerts.issue(
            pki.ca("DE"), "entente://DE/node/gpu-01", EnumSet.of(Usage.CLIENT_AUTH), true);

    assertHandshakeRefused(server, presenting(subCa));

    trustLog.awaitMessageContaining(
        "refused client certificate", "CA certificate cannot be used as a peer certificate");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_clientCertificateWithoutClientAuth_unavailable() {
    TestCerts.Issued serverOnly =
        TestCerts.issue(
            pki.ca("DE"), "entente://DE/coordinator/coord-z", EnumSet.of(Usage.SERVER_AUTH), false);

    assertHandshakeRefused(server, presenting(serverOnly));

    trustLog.awaitMessageContaining(
        "refused client certificate", "not issued for client authentication");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_deCaCertificateClaimingFrenchIdentity_unavailable() {
    TestCerts.Issued forged = TestCerts.clientLeaf(pki.ca("DE"), "entente://FR/node/x");

    // Through the production client context: the forged certificate is well-formed key material.
    assertHandshakeRefused(server, memberClient(forged.keyMaterial()));

    trustLog.awaitMessageContaining(
        "refused client certificate", "claims FR/node/x", "issued by the DE root");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_revokedClientCertificate_unavailableOnNewConnection() {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
    revoke(node);

    assertHandshakeRefused(server, memberClient(node));

    trustLog.awaitMessageContaining("refused client certificate", "DE/node/gpu-01", "is revoked");
    assertServerStillServesMembers();
  }

  @Test
  void getFederation_revokedAfterConnecting_unauthenticatedOnSameChannel() {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
    ManagedChannel channel = server.channel(memberClient(node));
    assertThat(TlsTestServer.getFederation(channel).getAnsweredBy()).isEqualTo("DE/node/gpu-01");

    revoke(node);
    StatusRuntimeException e = refusedCall(channel);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).contains("DE/node/gpu-01").contains("revoked");
    assertThat(server.calls()).isEqualTo(1);
    assertServerStillServesMembers();
  }

  /*
   * The next tests reconnect with the SslContext that made an earlier, successful connection, as a
   * gRPC channel does after its connection drops. The JDK then offers the cached TLS 1.3 session
   * (PSK resumption), and a resumed handshake does not consult the trust manager again. Each test
   * first shows, with a fresh context, that the handshake check alone refuses the certificate.
   */

  @Test
  void getFederation_revokedClientReconnectingWithSameContext_refusedBeforeService() {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
    SslContext context = memberClient(node);
    assertThat(TlsTestServer.getFederation(server.channel(context)).getAnsweredBy())
        .isEqualTo("DE/node/gpu-01");

    revoke(node);
    assertHandshakeRefused(server, memberClient(node));
    StatusRuntimeException e = refusedCall(server.channel(context));

    // Refused in the handshake, or (resumed session) by the interceptor's revocation check.
    assertThat(e.getStatus().getCode())
        .as(e.toString())
        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
    assertThat(server.calls()).isEqualTo(1);
  }

  @Test
  void getFederation_nationDroppedFromBundleReconnectingWithSameContext_refused() {
    KeyMaterial frNode = pki.issue(new Identity("FR", Role.NODE, "gpu-07"));
    SslContext context = memberClient(frNode);
    assertThat(TlsTestServer.getFederation(server.channel(context)).getAnsweredBy())
        .isEqualTo("FR/node/gpu-07");

    serverTrust.replaceBundle(TrustBundle.of(List.of(pki.ca("DE").certificate())));
    // (The JDK's key manager would now withhold the certificate, as the server no longer lists
    // FR among its accepted issuers; present it anyway so the trust manager decides.)
    assertHandshakeRefused(server, presenting(frNode.certificate(), frNode.privateKey()));
    trustLog.awaitMessageContaining(
        "refused client certificate", "not issued by any member nation's root");
    StatusRuntimeException e = refusedCall(server.channel(context));

    // A resumed TLS 1.3 session skips the trust manager; the interceptor re-verifies every call.
    assertThat(e.getStatus().getCode())
        .as(e.toString())
        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
    assertThat(
            e.getStatus().getCode() == Status.Code.UNAVAILABLE
                || e.getStatus()
                    .getDescription()
                    .contains("not issued by any member nation's root"))
        .as(e.toString())
        .isTrue();
    assertThat(server.calls()).isEqualTo(1);
  }

  @Test
  void getFederation_clientExpiredSinceLastConnectReconnectingWithSameContext_refused()
      throws IOException {
    TestClock serverClock = new TestClock(TestCerts.NOW);
    TlsTestServer s =
        startServer(
            pki.issue(new Identity("DE", Role.COORDINATOR, "coord-b"), "127.0.0.1"), serverClock);
    TestCerts.Issued shortLived =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/gpu-01",
            TestCerts.NOW.minus(Duration.ofHours(1)),
            TestCerts.NOW.plus(Duration.ofHours(1)),
            EnumSet.of(Usage.CLIENT_AUTH),
            false);
    SslContext context = memberClient(shortLived.keyMaterial());
    assertThat(TlsTestServer.getFederation(s.channel(context)).getAnsweredBy())
        .isEqualTo("DE/node/gpu-01");

    serverClock.advance(Duration.ofHours(2));
    assertHandshakeRefused(s, memberClient(shortLived.keyMaterial()));
    trustLog.awaitMessageContaining("refused client certificate", "certificate expired at");
    StatusRuntimeException e = refusedCall(s.channel(context));

    assertThat(e.getStatus().getCode())
        .as(e.toString())
        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
    assertThat(
            e.getStatus().getCode() == Status.Code.UNAVAILABLE
                || e.getStatus().getDescription().contains("expired"))
        .as(e.toString())
        .isTrue();
    assertThat(s.calls()).isEqualTo(1);
  }

  @Test
  void getFederation_serverWithNodeCertificate_refusedByClient() throws IOException {
    TlsTestServer nodeServer = startServer(pki.issue(new Identity("DE", Role.NODE, "gpu-09")));
    KeyMaterial operator = pki.issue(new Identity("DE", Role.OPERATOR, "ops-1"));

    assertHandshakeRefused(nodeServer, memberClient(operator));

    trustLog.awaitMessageContaining(
        "refused server certificate", "not issued for server authentication");
    assertThat(trustLog.messages()).noneMatch(m -> m.contains("refused client certificate"));
  }

  @Test
  void getFederation_operatorServerWithServerAuth_refusedForRole() throws IOException {
    TestCerts.Issued opServerCert =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/operator/ops-server",
            EnumSet.of(Usage.SERVER_AUTH, Usage.CLIENT_AUTH),
            false);
    TlsTestServer opServer = startServer(opServerCert.keyMaterial());
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));

    int before = opServer.calls();
    StatusRuntimeException e = refusedCall(opServer.channel(memberClient(node)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(causeMessages(e))
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("DE/operator/ops-server")
                    .contains("does not hold an expected role"));
    assertThat(opServer.calls()).isEqualTo(before);
    // The same server is accepted by a client that takes any role: the role was the reason.
    SslContext anyRole = TlsContexts.client(node, clientTrust, CLOCK, Set.of());
    assertThat(TlsTestServer.getFederation(opServer.channel(anyRole)).getAnsweredBy())
        .isEqualTo("DE/node/gpu-01");
    assertThat(opServer.calls()).isEqualTo(before + 1);
  }

  @Test
  void getFederation_tls12OnlyClient_unavailable() {
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
    // Control: the same hand-built context offering TLS 1.3 gets through.
    assertThat(
            TlsTestServer.getFederation(
                    server.channel(
                        TlsTestServer.clientWithProtocol(
                            node, clientTrust, CLOCK, COORDINATORS, "TLSv1.3")))
                .getAnsweredBy())
        .isEqualTo("DE/node/gpu-01");

    assertHandshakeRefused(
        server,
        TlsTestServer.clientWithProtocol(node, clientTrust, CLOCK, COORDINATORS, "TLSv1.2"));

    assertThat(server.calls()).isEqualTo(1);
  }
}
