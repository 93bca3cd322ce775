package org.entente.coordinator.zk;

import java.io.Closeable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.entente.security.FederationTrust;
import org.entente.security.RevocationList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads each member nation's revocation list from ZooKeeper every poll interval, verifies it
 * against that nation's root, and installs it if newer. A list that does not verify is ignored (and
 * logged): a hand-written znode cannot revoke or un-revoke anyone. Thread-safe.
 */
public final class RevocationPoller implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(RevocationPoller.class);

  private final FederationStore store;
  private final FederationTrust trust;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "entente-revocations");
            t.setDaemon(true);
            return t;
          });

  private CuratorCache watch;

  public RevocationPoller(FederationStore store, FederationTrust trust) {
    this.store = store;
    this.trust = trust;
  }

  /** Polls once now, then on every change under {@code /nations} and every {@code interval}. */
  public void start(CuratorFramework zk, Duration interval) {
    pollOnce();
    watch = CuratorCache.build(zk, ZkPaths.NATIONS, CuratorCache.Options.DO_NOT_CLEAR_ON_CLOSE);
    watch
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forAll(
                    (type, before, after) -> {
                      String path = after != null ? after.getPath() : before.getPath();
                      if (path.endsWith("/crl")) {
                        thread.execute(this::pollOnce);
                      }
                    })
                .build());
    watch.start();
    thread.scheduleWithFixedDelay(
        this::pollOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass over every member nation. */
  public void pollOnce() {
    var snapshot = trust.snapshot();
    for (String nation : snapshot.bundle().nations()) {
      try {
        Optional<FederationStore.StoredCrl> stored = store.crl(nation);
        if (stored.isEmpty()) {
          continue;
        }
        RevocationList list =
            RevocationList.verify(stored.get().pem(), snapshot.bundle().root(nation));
        if (trust.updateRevocations(list)) {
          log.info(
              "installed {} revocation list #{} ({} revoked)",
              nation,
              list.number(),
              list.serials().size());
        }
      } catch (IllegalArgumentException e) {
        log.warn("ignoring {} revocation list in ZooKeeper: {}", nation, e.getMessage());
      } catch (Exception e) {
        log.debug("revocation poll for {} failed: {}", nation, e.toString());
      }
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    thread.shutdownNow();
  }
}
