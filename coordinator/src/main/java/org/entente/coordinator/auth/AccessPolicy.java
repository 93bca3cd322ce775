package org.entente.coordinator.auth;

import org.entente.coordinator.errors.ForbiddenException;
import org.entente.security.Identity;
import org.entente.security.Role;

/**
 * Who may do what, as a pure function of the caller's identity, the action and the nation (and for
 * nodes, the name) it targets. Goals: a node speaks only for itself; an operator acts only for its
 * own nation; only coordinators call coordinator-internal RPCs; any member role except nodes may
 * read the federation and jobs; any member but a node may read the ledger; an auditor may read the
 * ledger and nothing else (it audits; it does not operate); any member but an auditor may read and
 * store artifacts; a quarantined node is released by an operator of another nation than its own.
 * Stateless.
 */
public final class AccessPolicy {
  private AccessPolicy() {}

  /**
   * Checks the call.
   *
   * @param targetNation the nation acted upon ("" when the action has none)
   * @param targetName the node acted upon ("" when the action has none)
   * @throws ForbiddenException naming the rule that refuses it
   */
  public static void check(Identity caller, Action action, String targetNation, String targetName) {
    if (caller.role() == Role.AUDITOR && action != Action.READ_LEDGER) {
      throw new ForbiddenException(
          "an auditor certificate may read the ledger and nothing else; caller is " + caller);
    }
    switch (action) {
      case AGENT_CONNECT -> {
        require(caller, Role.NODE, action);
        if (!caller.nation().equals(targetNation) || !caller.name().equals(targetName)) {
          throw new ForbiddenException(
              caller
                  + " may register only as itself, not as "
                  + targetNation
                  + "/node/"
                  + targetName);
        }
      }
      case READ_FEDERATION, READ_JOBS -> {
        if (caller.role() == Role.NODE) {
          throw new ForbiddenException(
              "nodes may not read the federation; use an operator or auditor certificate");
        }
      }
      case DRAIN_NODE, PUBLISH_REVOCATIONS, SUBMIT_JOB, CANCEL_JOB -> {
        require(caller, Role.OPERATOR, action);
        if (!caller.nation().equals(targetNation)) {
          throw new ForbiddenException(
              "operator "
                  + caller
                  + " may act only for nation "
                  + caller.nation()
                  + ", not "
                  + targetNation);
        }
      }
      case GOVERN -> require(caller, Role.OPERATOR, action);
      case EXCHANGE_ROUND -> require(caller, Role.NODE, action);
      case REPLICA_INTERNAL -> require(caller, Role.COORDINATOR, action);
      case PUT_ARTIFACT, READ_ARTIFACTS -> {
        // Every member identity but auditors (refused above): agents fetch models and data and
        // upload outputs, operators store and check them.
      }
      case READ_LEDGER -> {
        if (caller.role() == Role.NODE) {
          throw new ForbiddenException(
              "nodes may not read the ledger; use an auditor or operator certificate");
        }
      }
    }
  }

  private static void require(Identity caller, Role role, Action action) {
    if (caller.role() != role) {
      throw new ForbiddenException(
          action.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + (role == Role.OPERATOR || role == Role.AUDITOR ? " requires an " : " requires a ")
              + role.label()
              + " certificate; caller is "
              + caller);
    }
  }
}
