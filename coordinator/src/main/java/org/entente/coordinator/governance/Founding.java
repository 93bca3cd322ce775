package org.entente.coordinator.governance;

import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import java.util.Collection;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.scheduler.Quota;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.Policy;
import org.entente.proto.v1.SignedGenesis;
import org.entente.security.KeyMaterial;
import org.entente.security.TrustBundle;
import org.entente.security.governance.Documents;

/**
 * Drafting a genesis: every root of a bundle as a founding member, with the quotas and policy of
 * scheduling settings, signed by one operator per founding nation. Used where one process holds
 * every founding nation's operator (the demo, benchmarks, tests); real founding nations each sign
 * the same draft with {@code entente gov genesis sign}. Stateless.
 */
public final class Founding {
  private Founding() {}

  /** The unsigned genesis document. */
  public static Genesis draft(
      String federation, TrustBundle roots, SchedulingSettings s, int threshold, long nowMs) {
    Genesis.Builder g =
        Genesis.newBuilder()
            .setVersion(1)
            .setFederation(federation)
            .setThreshold(threshold)
            .setPolicy(policy(s))
            .setCreatedUnixMs(nowMs);
    for (String nation : roots.nations()) {
      Member.Builder m = Member.newBuilder().setNation(nation);
      try {
        m.setRootDer(ByteString.copyFrom(roots.root(nation).getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("the root of " + nation + " cannot be encoded", e);
      }
      Quota q = s.quotas().get(nation);
      if (q != null) {
        m.setQuota(GovernedQuotas.governed(q));
      }
      g.addMembers(m);
    }
    return g.build();
  }

  /** The policy fields of scheduling settings. */
  public static Policy policy(SchedulingSettings s) {
    return Policy.newBuilder()
        .setHalfLifeMs(s.halfLife().toMillis())
        .setTrustAfter(s.verification().trustAfter())
        .setCheckFraction(s.verification().checkFraction())
        .build();
  }

  /** {@code g} signed by each of {@code operators}. */
  public static SignedGenesis signed(Genesis g, Collection<KeyMaterial> operators) {
    SignedGenesis out = Documents.unsigned(g);
    for (KeyMaterial k : operators) {
      out = Documents.cosign(out, k);
    }
    return out;
  }

  /**
   * {@code base} as governance sets it: the members' quotas, and the governed policy where it names
   * a value (a zero keeps the built-in default, never a local config's).
   */
  public static SchedulingSettings governed(
      SchedulingSettings base, org.entente.proto.v1.GovernedState state) {
    SchedulingSettings d = SchedulingSettings.defaults();
    Policy p = state.getPolicy();
    SchedulingSettings.Verification v =
        new SchedulingSettings.Verification(
            p.getTrustAfter() > 0 ? p.getTrustAfter() : d.verification().trustAfter(),
            p.getCheckFraction() > 0 ? p.getCheckFraction() : d.verification().checkFraction());
    return base.withQuotas(GovernedQuotas.quotas(state))
        .withHalfLife(
            p.getHalfLifeMs() > 0 ? java.time.Duration.ofMillis(p.getHalfLifeMs()) : d.halfLife())
        .withVerification(v);
  }
}
