package org.entente.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.entente.coordinator.errors.ForbiddenException;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The access policy as a pure table: caller (nation, role, name) × action × target, each row with
 * its verdict. Rows are written out by hand rather than derived, so a change of policy shows up
 * here as a changed row.
 */
class AccessPolicyTest {

  @ParameterizedTest(name = "{0}/{1}/{2} {3} {4}/{5} -> {6}")
  @CsvSource(
      textBlock =
          """
          # caller              action               target       verdict
          DE, node,        gpu-01, AGENT_CONNECT,       DE, gpu-01, allow
          DE, node,        gpu-01, AGENT_CONNECT,       DE, gpu-02, deny
          DE, node,        gpu-01, AGENT_CONNECT,       FR, gpu-01, deny
          FR, node,        gpu-01, AGENT_CONNECT,       FR, gpu-01, allow
          DE, operator,    gpu-01, AGENT_CONNECT,       DE, gpu-01, deny
          DE, coordinator, gpu-01, AGENT_CONNECT,       DE, gpu-01, deny
          DE, auditor,     gpu-01, AGENT_CONNECT,       DE, gpu-01, deny
          DE, node,        gpu-01, READ_FEDERATION,     '', '',     deny
          FR, node,        gpu-01, READ_FEDERATION,     '', '',     deny
          DE, operator,    ops-1,  READ_FEDERATION,     '', '',     allow
          JP, auditor,     aud-1,  READ_FEDERATION,     '', '',     deny
          JP, auditor,     aud-1,  READ_JOBS,           '', '',     deny
          DE, auditor,     aud-1,  SUBMIT_JOB,          DE, '',     deny
          FR, coordinator, coord,  READ_FEDERATION,     '', '',     allow
          DE, operator,    ops-1,  DRAIN_NODE,          DE, gpu-01, allow
          DE, operator,    ops-1,  DRAIN_NODE,          FR, gpu-01, deny
          FR, operator,    ops-1,  DRAIN_NODE,          FR, gpu-07, allow
          DE, node,        gpu-01, DRAIN_NODE,          DE, gpu-01, deny
          DE, auditor,     aud-1,  DRAIN_NODE,          DE, gpu-01, deny
          DE, coordinator, coord,  DRAIN_NODE,          DE, gpu-01, deny
          DE, operator,    ops-1,  PUBLISH_REVOCATIONS, DE, '',     allow
          DE, operator,    ops-1,  PUBLISH_REVOCATIONS, FR, '',     deny
          DE, node,        gpu-01, PUBLISH_REVOCATIONS, DE, '',     deny
          DE, auditor,     aud-1,  PUBLISH_REVOCATIONS, DE, '',     deny
          DE, coordinator, coord,  PUBLISH_REVOCATIONS, DE, '',     deny
          DE, coordinator, coord,  REPLICA_INTERNAL,    '', '',     allow
          JP, coordinator, coord,  REPLICA_INTERNAL,    '', '',     allow
          DE, node,        gpu-01, REPLICA_INTERNAL,    '', '',     deny
          DE, operator,    ops-1,  REPLICA_INTERNAL,    '', '',     deny
          DE, auditor,     aud-1,  REPLICA_INTERNAL,    '', '',     deny
          DE, operator,    ops-1,  PUT_ARTIFACT,        '', '',     allow
          DE, node,        gpu-01, PUT_ARTIFACT,        '', '',     allow
          FR, coordinator, coord,  PUT_ARTIFACT,        '', '',     allow
          DE, auditor,     aud-1,  PUT_ARTIFACT,        '', '',     deny
          DE, node,        gpu-01, READ_ARTIFACTS,      '', '',     allow
          DE, operator,    ops-1,  READ_ARTIFACTS,      '', '',     allow
          JP, auditor,     aud-1,  READ_ARTIFACTS,      '', '',     deny
          FR, coordinator, coord,  READ_ARTIFACTS,      '', '',     allow
          JP, auditor,     aud-1,  READ_LEDGER,         '', '',     allow
          DE, operator,    ops-1,  READ_LEDGER,         '', '',     allow
          FR, coordinator, coord,  READ_LEDGER,         '', '',     allow
          DE, node,        gpu-01, READ_LEDGER,         '', '',     deny
          FR, operator,    ops-1,  GOVERN,              '', '',     allow
          DE, coordinator, coord,  GOVERN,              '', '',     deny
          FR, node,        gpu-01, GOVERN,              '', '',     deny
          JP, auditor,     aud-1,  GOVERN,              '', '',     deny
          """)
  void check_tableRow_verdictAsListed(
      String nation,
      String role,
      String name,
      Action action,
      String targetNation,
      String targetName,
      String verdict) {
    Identity caller = new Identity(nation, Role.parse(role), name);

    if (verdict.equals("allow")) {
      assertThatCode(() -> AccessPolicy.check(caller, action, targetNation, targetName))
          .doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> AccessPolicy.check(caller, action, targetNation, targetName))
          .isInstanceOf(ForbiddenException.class);
    }
  }

  @ParameterizedTest(name = "{0} {1} -> {4}")
  @CsvSource(
      textBlock =
          """
          DE/node/gpu-01,     AGENT_CONNECT,       DE, gpu-02, may register only as itself
          DE/operator/gpu-01, AGENT_CONNECT,       DE, gpu-01, agent connect requires a|node certificate|DE/operator/gpu-01
          DE/node/gpu-01,     READ_FEDERATION,     '', '',     nodes may not read the federation
          DE/operator/ops-1,  DRAIN_NODE,          FR, gpu-01, 'may act only for nation DE, not FR'
          DE/auditor/aud-1,   PUBLISH_REVOCATIONS, DE, '',     may read the ledger and nothing else|DE/auditor/aud-1
          DE/operator/ops-1,  PUBLISH_REVOCATIONS, FR, '',     'may act only for nation DE, not FR'
          DE/node/gpu-01,     READ_LEDGER,         '', '',     nodes may not read the ledger
          DE/operator/ops-1,  REPLICA_INTERNAL,    '', '',     replica internal requires a|coordinator certificate
          DE/node/gpu-01,     GOVERN,              '', '',     govern requires an|operator certificate
          DE/auditor/aud-1,   GOVERN,              '', '',     may read the ledger and nothing else
          """)
  void check_forbidden_messageNamesTheRule(
      String caller, Action action, String targetNation, String targetName, String rule) {
    Identity id = Identity.parseUri("entente://" + caller);

    assertThatThrownBy(() -> AccessPolicy.check(id, action, targetNation, targetName))
        .isInstanceOf(ForbiddenException.class)
        .hasMessageContainingAll(rule.split("\\|"));
  }
}
