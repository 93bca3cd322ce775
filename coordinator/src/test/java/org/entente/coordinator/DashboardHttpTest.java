package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.entente.coordinator.dashboard.DashboardSettings;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.SetThreshold;
import org.entente.security.EntenteTrustManager;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dashboard of real replicas over HTTP: DE serves plain HTTP on loopback, FR HTTPS with client
 * certificates required (also on loopback, to test it), JP none. One federation for every case.
 */
class DashboardHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static CoordinatorFixture f;
  private static JobFederation fed;
  private static final HttpClient PLAIN =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
    UnaryOperator<CoordinatorSettings> fast = JobFlowTest.fast();
    fed =
        JobFederation.start(
            f,
            "dashboard",
            s -> {
              String nation = s.keys().identity().nation();
              DashboardSettings d =
                  switch (nation) {
                    case "DE" -> DashboardSettings.loopback(0);
                    case "FR" -> new DashboardSettings("127.0.0.1", 0, true);
                    default -> null;
                  };
              return fast.apply(s).toBuilder().dashboard(d).build();
            });
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static URI de(String path) {
    return URI.create("http://127.0.0.1:" + fed.replica("DE").dashboardPort() + path);
  }

  private static URI fr(String path) {
    return URI.create("https://127.0.0.1:" + fed.replica("FR").dashboardPort() + path);
  }

  private static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode overview() throws Exception {
    HttpResponse<String> r = get(PLAIN, de("/api/overview"));
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get(field).asText()));
    return out;
  }

  @Test
  void dashboardPort_isBoundWhereConfigured_andMinusOneWhereOff() {
    assertThat(fed.replica("DE").dashboardPort()).isPositive();
    assertThat(fed.replica("FR").dashboardPort()).isPositive();
    assertThat(fed.replica("JP").dashboardPort()).isEqualTo(-1);
  }

  @Test
  void overview_showsMembersNodesAndWhereAJobsShardsRun() throws Exception {
    fed.node("DE", "dash-1");
    String id = fed.submit("DE", JobFlowTest.spec("dash", 1, 1));

    JsonNode job =
        await()
            .atMost(WAIT)
            .alias(id + " placed on DE/dash-1 in the overview")
            .until(
                () -> {
                  for (JsonNode j : overview().get("jobs")) {
                    if (j.get("id").asText().equals(id)
                        && j.get("shards").get(0).get("node").asText().equals("DE/dash-1")) {
                      return j;
                    }
                  }
                  return null;
                },
                j -> j != null);

    assertThat(job.get("nation").asText()).isEqualTo("DE");
    assertThat(job.get("name").asText()).isEqualTo("dash");
    assertThat(job.get("shards").get(0).get("state").asText()).isIn("PLACED", "RUNNING");
    JsonNode o = overview();
    assertThat(texts(o.get("nations"), "name")).containsExactly("DE", "FR", "JP");
    JsonNode deNation = o.get("nations").get(0);
    JsonNode node = deNation.get("nodes").get(0);
    assertThat(node.get("name").asText()).isEqualTo("dash-1");
    assertThat(node.get("state").asText()).isEqualTo("ACTIVE");
    assertThat(node.get("gpus").asInt()).isEqualTo(1);
    assertThat(node.get("gpuModels").get(0).asText()).isEqualTo("H200");
    assertThat(node.get("shards").asInt()).isEqualTo(1);
    assertThat(deNation.get("quota").get("used").get("gpus").asLong()).isEqualTo(1);
    // The fixture's genesis sets no quotas: a nation's nominal quota is what its nodes contribute.
    assertThat(deNation.get("quota").get("source").asText()).isEqualTo("contributed");
    assertThat(deNation.get("quota").get("nominal").get("gpus").asLong()).isEqualTo(1);
    assertThat(o.get("replica").asText()).startsWith("DE/");
    assertThat(o.get("leader").asText()).isNotEmpty();
  }

  @Test
  void overview_showsTheCosignedCheckpointAndNoAlarms() throws Exception {
    JsonNode ledger =
        await()
            .atMost(WAIT)
            .alias("a checkpoint cosigned by DE, FR and JP")
            .until(
                () -> overview().get("ledger"),
                l ->
                    l.get("checkpoint").isObject()
                        && l.get("checkpoint").get("cosignedBy").size() == 3);

    assertThat(ledger.get("checkpoint").get("size").asLong()).isPositive();
    assertThat(ledger.get("checkpoint").get("root").asText()).matches("[0-9a-f]{64}");
    assertThat(ledger.get("entries").asLong())
        .isGreaterThanOrEqualTo(ledger.get("checkpoint").get("size").asLong());
    assertThat(ledger.get("audit").asText()).isEqualTo("ok");
    assertThat(ledger.get("alarms")).isEmpty();
  }

  @Test
  void overview_listsAPendingProposal() throws Exception {
    String id =
        fed.govern(
            "DE",
            Change.newBuilder().setSetThreshold(SetThreshold.newBuilder().setThreshold(3)).build());

    JsonNode p =
        await()
            .atMost(WAIT)
            .alias(id + " pending in the overview")
            .until(
                () -> {
                  for (JsonNode n : overview().get("proposals")) {
                    if (n.get("id").asText().equals(id)) {
                      return n;
                    }
                  }
                  return null;
                },
                n -> n != null);

    assertThat(p.get("kind").asText()).isEqualTo("set-threshold");
    assertThat(p.get("required").asInt()).isEqualTo(2);
    assertThat(p.get("missing")).isNotEmpty();
  }

  @Test
  void page_andItsAssets_areServedWithTheirTypesAndAStrictPolicy() throws Exception {
    HttpResponse<String> page = get(PLAIN, de("/"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'")
        .contains("frame-ancestors 'none'");
    assertThat(page.body()).contains("<script src=\"/dashboard.js\"");

    HttpResponse<String> js = get(PLAIN, de("/dashboard.js"));
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
    assertThat(js.body()).contains("/api/overview");

    assertThat(get(PLAIN, de("/dashboard.css")).statusCode()).isEqualTo(200);
    assertThat(get(PLAIN, de("/etc/passwd")).statusCode()).isEqualTo(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
  void everyMethodButGet_isRefusedWith405(String method) throws Exception {
    for (String path : List.of("/", "/api/overview")) {
      HttpResponse<String> r =
          PLAIN.send(
              HttpRequest.newBuilder(de(path))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).as(method + " " + path).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    }
  }

  // ---------------------------------------------------------------- mutual TLS

  private static HttpClient tlsClient(KeyMaterial km) throws Exception {
    KeyManager[] keys = null;
    if (km != null) {
      char[] pw = new char[0];
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", km.privateKey(), pw, new Certificate[] {km.certificate()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      keys = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(
        keys,
        new TrustManager[] {
          new EntenteTrustManager(
              new FederationTrust(f.pki().bundle()),
              CoordinatorFixture.CLOCK,
              Set.of(Role.COORDINATOR))
        },
        new SecureRandom());
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void tls_operatorCertificate_readsTheOverview() throws Exception {
    HttpResponse<String> r = get(tlsClient(f.operator("JP")), fr("/api/overview"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(texts(JSON.readTree(r.body()).get("nations"), "name"))
        .containsExactly("DE", "FR", "JP");
    assertThat(JSON.readTree(r.body()).get("replica").asText()).startsWith("FR/");
  }

  @Test
  void tls_nodeCertificate_isForbidden() throws Exception {
    HttpResponse<String> r = get(tlsClient(f.node("FR", "peek")), fr("/"));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("nodes may not read the federation");
  }

  @Test
  void tls_withoutClientCertificate_orOverPlainHttp_getsNothing() throws Exception {
    HttpClient anonymous = tlsClient(null);
    assertThatThrownBy(() -> get(anonymous, fr("/api/overview"))).isInstanceOf(IOException.class);

    URI plain = URI.create("http://127.0.0.1:" + fed.replica("FR").dashboardPort() + "/");
    assertThatThrownBy(() -> get(PLAIN, plain)).isInstanceOf(IOException.class);
  }
}
