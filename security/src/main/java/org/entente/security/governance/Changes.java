package org.entente.security.governance;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.Policy;
import org.entente.security.IdentityCertificates;
import org.entente.security.Names;
import org.entente.security.Signatures;

/**
 * What each governed change does to the state, and which changes cannot apply (a nation admitted
 * twice, the last member removed, a threshold above the members). Pure.
 */
public final class Changes {
  private Changes() {}

  /** A change that cannot apply to the state it meets; the message says why. */
  public static final class Refused extends Exception {
    public Refused(String why) {
      super(why);
    }
  }

  /** The short name of a change's kind, as {@code entente gov} shows it. */
  public static String kind(Change c) {
    return switch (c.getKindCase()) {
      case ADMIT_NATION -> "admit-nation";
      case REMOVE_NATION -> "remove-nation";
      case SET_QUOTA -> "set-quota";
      case REVOKE -> "revoke";
      case QUARANTINE -> "quarantine";
      case RELEASE -> "release";
      case SET_THRESHOLD -> "set-threshold";
      case SET_POLICY -> "set-policy";
      case KIND_NOT_SET -> "none";
    };
  }

  /** What the change does, in one line for people. */
  public static String summary(Change c) {
    return switch (c.getKindCase()) {
      case ADMIT_NATION ->
          "admit "
              + c.getAdmitNation().getMember().getNation()
              + " (its root joins the trust bundle"
              + quotaText(c.getAdmitNation().getMember())
              + ")";
      case REMOVE_NATION ->
          "remove "
              + c.getRemoveNation().getNation()
              + " (its root leaves the trust bundle; its nodes' shards requeue)";
      case SET_QUOTA ->
          "set the quota of "
              + c.getSetQuota().getNation()
              + " to "
              + quotaText(c.getSetQuota().getQuota());
      case REVOKE ->
          "revoke "
              + (c.getRevoke().getSubject().isEmpty() ? "" : c.getRevoke().getSubject() + " ")
              + "("
              + c.getRevoke().getNation()
              + " serial "
              + c.getRevoke().getSerialHex()
              + ")";
      case QUARANTINE -> "quarantine node " + c.getQuarantine().getNode();
      case RELEASE -> "release node " + c.getRelease().getNode() + " from quarantine";
      case SET_THRESHOLD ->
          c.getSetThreshold().getThreshold() == 0
              ? "set the approval threshold to a strict majority"
              : "set the approval threshold to " + c.getSetThreshold().getThreshold() + " nations";
      case SET_POLICY -> "set the scheduler policy to " + policyText(c.getSetPolicy().getPolicy());
      case KIND_NOT_SET -> "nothing";
    };
  }

  private static String quotaText(Member m) {
    return m.hasQuota() ? "; quota " + quotaText(m.getQuota()) : "";
  }

  static String quotaText(GovernedQuota q) {
    return "nominal "
        + amountsText(q.getNominal())
        + ", borrowing "
        + (q.hasBorrowingLimit() ? amountsText(q.getBorrowingLimit()) : "unlimited")
        + ", lending "
        + (q.hasLendingLimit() ? amountsText(q.getLendingLimit()) : "unlimited");
  }

  static String amountsText(Amounts a) {
    return a.getGpus() + " GPUs/" + a.getCpus() + " CPUs/" + (a.getMemoryBytes() >> 30) + " GiB";
  }

  static String policyText(Policy p) {
    return "half-life "
        + (p.getHalfLifeMs() == 0 ? "default" : p.getHalfLifeMs() / 1000 + " s")
        + ", trust after "
        + (p.getTrustAfter() == 0 ? "default" : p.getTrustAfter())
        + ", check fraction "
        + (p.getCheckFraction() == 0 ? "default" : p.getCheckFraction());
  }

  /**
   * The state after {@code c}, recorded as proposal {@code id}; its sequence is the caller's to
   * set.
   *
   * @throws Refused when the change cannot apply to {@code s}
   */
  public static GovernedState apply(GovernedState s, Change c, String id) throws Refused {
    if (s.getAppliedList().contains(id)) {
      throw new Refused("proposal " + id + " was applied already");
    }
    GovernedState.Builder b = s.toBuilder();
    List<Member> members = new ArrayList<>(s.getMembersList());
    switch (c.getKindCase()) {
      case ADMIT_NATION -> {
        Member m = c.getAdmitNation().getMember();
        checkMember(m);
        if (GovernedStates.member(s, m.getNation()) != null) {
          throw new Refused(m.getNation() + " is a member already");
        }
        members.add(m);
      }
      case REMOVE_NATION -> {
        String nation = c.getRemoveNation().getNation();
        if (!members.removeIf(m -> m.getNation().equals(nation))) {
          throw new Refused(nation + " is not a member");
        }
        if (members.isEmpty()) {
          throw new Refused("the last member cannot be removed");
        }
        if (s.getThreshold() > members.size()) {
          throw new Refused(
              "the threshold "
                  + s.getThreshold()
                  + " would exceed the "
                  + members.size()
                  + " members left; lower it first");
        }
        TreeSet<String> revoked = new TreeSet<>(s.getRevokedList());
        revoked.removeIf(r -> r.startsWith(nation + ":"));
        b.clearRevoked().addAllRevoked(revoked);
      }
      case SET_QUOTA -> {
        String nation = c.getSetQuota().getNation();
        Member m = GovernedStates.member(s, nation);
        if (m == null) {
          throw new Refused(nation + " is not a member");
        }
        checkQuota(c.getSetQuota().getQuota());
        Member.Builder next = m.toBuilder().setQuota(c.getSetQuota().getQuota());
        if (c.getSetQuota().hasPledge()) {
          checkAmounts("pledge", c.getSetQuota().getPledge());
          next.setPledge(c.getSetQuota().getPledge());
        }
        members.set(members.indexOf(m), next.build());
      }
      case REVOKE -> {
        String nation = c.getRevoke().getNation();
        String serial = c.getRevoke().getSerialHex();
        if (GovernedStates.member(s, nation) == null) {
          throw new Refused(nation + " is not a member");
        }
        if (!serial.matches("[0-9a-f]{1,40}")) {
          throw new Refused("serial '" + serial + "' is not lower-case hex");
        }
        TreeSet<String> revoked = new TreeSet<>(s.getRevokedList());
        if (!revoked.add(nation + ":" + serial)) {
          throw new Refused("certificate " + nation + ":" + serial + " is revoked already");
        }
        b.clearRevoked().addAllRevoked(revoked);
      }
      case QUARANTINE, RELEASE -> {
        boolean on = c.hasQuarantine();
        String node = on ? c.getQuarantine().getNode() : c.getRelease().getNode();
        int slash = node.indexOf('/');
        if (slash < 0 || GovernedStates.member(s, node.substring(0, slash)) == null) {
          throw new Refused("node '" + node + "' is not NATION/name of a member nation");
        }
        TreeSet<String> q = new TreeSet<>(s.getQuarantinedList());
        if (on && !q.add(node)) {
          throw new Refused("node " + node + " is quarantined already");
        }
        // A release also lifts a leader's quarantine after a verdict, which only the ledger knows.
        if (!on) {
          q.remove(node);
        }
        b.clearQuarantined().addAllQuarantined(q);
      }
      case SET_THRESHOLD -> {
        int t = c.getSetThreshold().getThreshold();
        if (t < 0 || t > members.size()) {
          throw new Refused(
              "a threshold must be 0 (strict majority) to "
                  + members.size()
                  + " (every member), got "
                  + t);
        }
        b.setThreshold(t);
      }
      case SET_POLICY -> {
        Policy p = c.getSetPolicy().getPolicy();
        if (p.getHalfLifeMs() < 0
            || p.getTrustAfter() < 0
            || p.getCheckFraction() < 0
            || p.getCheckFraction() > 1) {
          throw new Refused("policy values must not be negative, and a check fraction at most 1");
        }
        b.setPolicy(p);
      }
      case KIND_NOT_SET -> throw new Refused("the proposal changes nothing");
    }
    members.sort(Comparator.comparing(Member::getNation));
    TreeSet<String> applied = new TreeSet<>(s.getAppliedList());
    applied.add(id);
    return b.clearMembers().addAllMembers(members).clearApplied().addAllApplied(applied).build();
  }

  /** Checks a member as a genesis or an admission names it. */
  static void checkMember(Member m) throws Refused {
    try {
      Names.requireNation(m.getNation());
    } catch (IllegalArgumentException e) {
      throw new Refused("nation '" + m.getNation() + "': " + e.getMessage());
    }
    X509Certificate root;
    try {
      root = Signatures.certificate(m.getRootDer().toByteArray());
    } catch (CertificateException e) {
      throw new Refused("the root certificate of " + m.getNation() + " does not decode");
    }
    String rootNation;
    try {
      rootNation = IdentityCertificates.nationOfRoot(root);
    } catch (RuntimeException e) {
      throw new Refused(
          "the root of " + m.getNation() + " is not a nation root: " + e.getMessage());
    }
    if (!rootNation.equals(m.getNation())) {
      throw new Refused("the root offered for " + m.getNation() + " is " + rootNation + "'s");
    }
    if (m.hasQuota()) {
      checkQuota(m.getQuota());
    }
  }

  private static void checkQuota(GovernedQuota q) throws Refused {
    checkAmounts("nominal", q.getNominal());
    if (q.hasBorrowingLimit()) {
      checkAmounts("borrowing limit", q.getBorrowingLimit());
    }
    if (q.hasLendingLimit()) {
      checkAmounts("lending limit", q.getLendingLimit());
    }
  }

  private static void checkAmounts(String what, Amounts a) throws Refused {
    if (a.getGpus() < 0 || a.getCpus() < 0 || a.getMemoryBytes() < 0) {
      throw new Refused("the " + what + " must not be negative");
    }
  }
}
