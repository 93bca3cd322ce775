package org.entente.coordinator.governance;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;

/**
 * Reading a {@link GovernedState}: its digest, its members' roots as a trust bundle, its quotas in
 * the scheduler's terms. Stateless and pure.
 */
public final class GovernedStates {
  private GovernedStates() {}

  /** SHA-256 of the state's serialized bytes (deterministic: the message has no maps). */
  public static byte[] sha256(GovernedState s) {
    return Sha256.newDigest().digest(s.toByteArray());
  }

  /** Member nations, sorted. */
  public static Set<String> members(GovernedState s) {
    Set<String> out = new TreeSet<>();
    s.getMembersList().forEach(m -> out.add(m.getNation()));
    return out;
  }

  /** The member, or null. */
  public static Member member(GovernedState s, String nation) {
    for (Member m : s.getMembersList()) {
      if (m.getNation().equals(nation)) {
        return m;
      }
    }
    return null;
  }

  /** Approvals from distinct member nations a proposal needs now. */
  public static int required(GovernedState s) {
    return Tally.required(s.getThreshold(), s.getMembersCount());
  }

  /** The members' roots. */
  public static TrustBundle trustBundle(GovernedState s) {
    List<X509Certificate> roots = new ArrayList<>();
    for (Member m : s.getMembersList()) {
      try {
        roots.add(Signatures.certificate(m.getRootDer().toByteArray()));
      } catch (CertificateException e) {
        // Changes.apply admits only roots that decode.
        throw new IllegalStateException("the root of " + m.getNation() + " does not decode", e);
      }
    }
    return TrustBundle.of(roots);
  }

  /** Each member's quota in the scheduler's terms. */
  public static Map<String, Quota> quotas(GovernedState s) {
    Map<String, Quota> out = new TreeMap<>();
    for (Member m : s.getMembersList()) {
      if (m.hasQuota()) {
        out.put(m.getNation(), quota(m.getQuota()));
      }
    }
    return out;
  }

  static Quota quota(GovernedQuota q) {
    return new Quota(
        vector(q.getNominal()),
        q.hasBorrowingLimit() ? vector(q.getBorrowingLimit()) : null,
        q.hasLendingLimit() ? vector(q.getLendingLimit()) : null);
  }

  static ResourceVector vector(Amounts a) {
    return new ResourceVector(a.getGpus(), a.getCpus(), a.getMemoryBytes());
  }

  /** The governed form of a scheduler quota. */
  public static GovernedQuota governed(Quota q) {
    GovernedQuota.Builder b = GovernedQuota.newBuilder().setNominal(amounts(q.nominal()));
    if (q.borrowingLimit() != null) {
      b.setBorrowingLimit(amounts(q.borrowingLimit()));
    }
    if (q.lendingLimit() != null) {
      b.setLendingLimit(amounts(q.lendingLimit()));
    }
    return b.build();
  }

  public static Amounts amounts(ResourceVector v) {
    return Amounts.newBuilder()
        .setGpus(v.gpus())
        .setCpus(v.cpus())
        .setMemoryBytes(v.memoryBytes())
        .build();
  }
}
