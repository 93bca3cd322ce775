package org.entente.security;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The trust a process holds right now: the member roots and each nation's latest revocation list.
 * Handshakes read it on every connection, so a change applies to the next handshake without
 * rebuilding TLS contexts. Thread-safe: readers see one consistent snapshot; writers replace it.
 */
public final class FederationTrust {
  /**
   * One consistent view of roots and revocations: each nation's own signed lists, and the
   * certificates revoked by governance ({@code NATION:serial-hex}). Immutable.
   */
  public record Snapshot(
      TrustBundle bundle, Map<String, RevocationList> revocations, Set<String> governedRevoked) {
    public Snapshot {
      Objects.requireNonNull(bundle, "bundle");
      revocations = Map.copyOf(revocations);
      governedRevoked = Set.copyOf(governedRevoked);
    }

    public Snapshot(TrustBundle bundle, Map<String, RevocationList> revocations) {
      this(bundle, revocations, Set.of());
    }

    /** Whether the certificate with this serial, issued by this nation's root, is revoked. */
    public boolean isRevoked(String nation, BigInteger serial) {
      RevocationList list = revocations.get(nation);
      return (list != null && list.revokes(serial))
          || governedRevoked.contains(nation + ":" + serial.toString(16));
    }
  }

  private volatile Snapshot current;
  private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();

  public FederationTrust(TrustBundle bundle) {
    this.current = new Snapshot(bundle, Map.of());
  }

  public Snapshot snapshot() {
    return current;
  }

  /** Calls {@code listener} after every change, on the thread that made it. */
  public void onChange(Consumer<Snapshot> listener) {
    listeners.add(listener);
  }

  /** Replaces the roots, keeping the revocation lists of nations still present. */
  public synchronized void replaceBundle(TrustBundle bundle) {
    replaceGoverned(bundle, current.governedRevoked());
  }

  /**
   * Installs what governance decided: the member roots and the certificates it revoked ({@code
   * NATION:serial-hex}), keeping the revocation lists of nations still present.
   */
  public synchronized void replaceGoverned(TrustBundle bundle, Set<String> revoked) {
    if (bundle.equals(current.bundle()) && revoked.equals(current.governedRevoked())) {
      return;
    }
    Map<String, RevocationList> kept = new HashMap<>(current.revocations());
    kept.keySet().retainAll(bundle.roots().keySet());
    publish(new Snapshot(bundle, kept, revoked));
  }

  /**
   * Installs a nation's revocation list if it is newer than the one held.
   *
   * @return whether the list was installed
   */
  public synchronized boolean updateRevocations(RevocationList list) {
    RevocationList held = current.revocations().get(list.nation());
    if (held != null && held.number() >= list.number()) {
      return false;
    }
    Map<String, RevocationList> next = new HashMap<>(current.revocations());
    next.put(list.nation(), list);
    publish(new Snapshot(current.bundle(), next, current.governedRevoked()));
    return true;
  }

  private void publish(Snapshot next) {
    current = next;
    for (Consumer<Snapshot> l : listeners) {
      l.accept(next);
    }
  }
}
