package org.entente.security.governance;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;

/**
 * Reading a {@link GovernedState}: its digest, its members, its members' roots as a trust bundle.
 * Stateless and pure.
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
}
