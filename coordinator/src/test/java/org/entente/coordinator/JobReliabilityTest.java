package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.data.Stat;
import org.awaitility.core.ConditionTimeoutException;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.JobServiceGrpc;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jobs under stress on a real federation: a burst of submissions through all three replicas while
 * the leader is killed, and three nations racing for more than their quotas. Raw agents run every
 * shard they are given (jobs named {@code *-short} succeed at once, the others keep their node); a
 * cache on {@code /jobs} records every shard version it sees, and the checks run on that record, on
 * what the agents were told, and on the final state in ZooKeeper.
 */
class JobReliabilityTest {
  private static final List<String> NATIONS = JobFederation.NATIONS;
  private static final List<CuratorCache> caches = new CopyOnWriteArrayList<>();
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    caches.forEach(CuratorCache::close);
    f.close();
  }

  @Test
  void burstOfSubmissions_leaderKilledMidway_losesNoJobDuplicatesNoneAndKeepsTheQuota()
      throws Exception {
    int perNation = 100;
    int nodeCpus = 64;
    // DE may hold 50 CPUs; it asks for more (two thirds of its jobs keep their CPU).
    Map<String, Quota> quotas = Map.of("DE", cpuQuota(40, 10, null));
    JobFederation fed = JobFederation.start(f, "burst", scheduling(quotas));
    Coordinator leader = fed.leader();
    String leaderNation = fed.nationOf(leader);
    List<String> survivors = NATIONS.stream().filter(n -> !n.equals(leaderNation)).toList();
    CuratorFramework zk = fed.zk();
    ShardLog log = ShardLog.start(zk);
    Fleet fleet = new Fleet();
    int k = 0;
    for (String nation : NATIONS) {
      for (String name : List.of("cpu-1", "cpu-2")) {
        // Agents stay on replicas that live, so no shard is requeued for a lost node.
        fleet.connect(fed, survivors.get(k++ % 2), nation, name, nodeCpus);
      }
    }
    List<Request> requests = new ArrayList<>();
    for (String nation : NATIONS) {
      for (int i = 0; i < perNation; i++) {
        requests.add(new Request(nation, i, spec(nation, i, i % 3 == 2, 1, 1)));
      }
    }

    Burst burst = Burst.start(fed, requests, 2);
    await()
        .atMost(Duration.ofSeconds(20))
        .alias("a third of the burst acknowledged")
        .until(() -> burst.acked.size() >= requests.size() / 3);
    burst.stopping = leaderNation;
    fed.stop(leader);
    burst.killed = true;
    burst.awaitDone(Duration.ofSeconds(40));
    assertThat(fed.awaitNewLeader(leader)).isNotSameAs(leader);

    assertThat(burst.ackedAfterKill.get())
        .as("acknowledgements after the leader died (else the kill was not midway)")
        .isPositive();
    assertThat(burst.retries.get()).as("submissions retried on another replica").isPositive();
    Map<String, Stored> stored = awaitSettled(zk, fleet);
    assertEachRequestMadeOneJob(stored, burst, requests);
    assertAttemptsPlacedOnce(log, fleet, stored);

    Map<String, Long> usage = usageByNation(stored);
    long deLimit = 50;
    assertThat(usage.get("DE")).as("DE's CPUs held at the end").isEqualTo(deLimit);
    assertThat(
            stored.values().stream()
                .filter(s -> s.job().nation().equals("DE"))
                .filter(s -> s.shards().get(0).state().waiting()))
        .as("DE jobs beyond its quota wait")
        .isNotEmpty();
    assertThat(usage)
        .as("CPUs held per ZooKeeper = CPUs the agents hold")
        .isEqualTo(fleet.usageByNation());
    for (String nation : List.of("FR", "JP")) {
      // Without a quota they get all they ask for: every long job holds its CPU.
      long asked =
          requests.stream()
              .filter(r -> r.nation().equals(nation) && !r.spec().getName().endsWith("-short"))
              .count();
      assertThat(usage.get(nation)).as(nation + "'s CPUs held").isEqualTo(asked);
    }
    Map<String, Peak> peaks = log.peaks(stored, h -> stored.get(h.jobId()).job().nation());
    assertThat(peaks.get("DE").amount())
        .as("most CPUs DE certainly held at once: %s", peaks.get("DE"))
        .isLessThanOrEqualTo(deLimit);
    assertNodesNotOvercommitted(log, stored, nodeCpus);
  }

  @Test
  void threeNationsRacing_forMoreThanTheirQuotas_neverHoldMoreThanNominalPlusBorrowing()
      throws Exception {
    int nodeCpus = 32;
    Map<String, Quota> quotas =
        Map.of(
            "DE", cpuQuota(20, 10, null),
            "FR", cpuQuota(16, 8, 6L),
            "JP", cpuQuota(12, 12, null));
    JobFederation fed = JobFederation.start(f, "race", scheduling(quotas));
    CuratorFramework zk = fed.zk();
    ShardLog log = ShardLog.start(zk);
    Fleet fleet = new Fleet();
    for (String nation : NATIONS) {
      for (String name : List.of("cpu-1", "cpu-2")) {
        fleet.connect(fed, nation, nation, name, nodeCpus);
      }
    }
    // Each nation opens with a 40-shard job, so whoever is served first borrows up to its ceiling
    // while the others still leave nominal unused; then 15 smaller jobs (1 x 2 CPUs, 3 x 1 CPU, and
    // short ones). Every nation asks for more than its ceiling; the pool (192 CPUs) holds far more
    // than the sum of the ceilings, so only the quotas hold them back.
    List<Request> requests = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      for (String nation : NATIONS) {
        JobSpec spec =
            i == 0
                ? spec(nation, i, false, 40, 1)
                : switch (i % 3) {
                  case 0 -> spec(nation, i, false, 1, 2);
                  case 1 -> spec(nation, i, false, 3, 1);
                  default -> spec(nation, i, true, 1, 1);
                };
        requests.add(new Request(nation, i, spec));
      }
    }

    Burst burst = Burst.start(fed, requests, 2);
    burst.awaitDone(Duration.ofSeconds(30));
    Map<String, Stored> stored = awaitSettled(zk, fleet);
    assertEachRequestMadeOneJob(stored, burst, requests);
    assertAttemptsPlacedOnce(log, fleet, stored);

    Map<String, Long> usage = usageByNation(stored);
    Map<String, Long> byAgents = fleet.usageByNation();
    assertThat(usage).as("CPUs held per ZooKeeper = CPUs the agents hold").isEqualTo(byAgents);
    Map<String, Peak> peaks = log.peaks(stored, h -> stored.get(h.jobId()).job().nation());
    for (String nation : NATIONS) {
      Quota q = quotas.get(nation);
      long nominal = q.nominal().cpus();
      long ceiling = nominal + q.borrowingLimit().cpus();
      assertThat(usage.get(nation))
          .as("%s's CPUs held at the end (nominal %d, ceiling %d)", nation, nominal, ceiling)
          .isBetween(nominal, ceiling);
      assertThat(peaks.get(nation).amount())
          .as("most CPUs %s certainly held at once: %s", nation, peaks.get(nation))
          .isLessThanOrEqualTo(ceiling);
      assertThat(
              stored.values().stream()
                  .filter(s -> s.job().nation().equals(nation))
                  .flatMap(s -> s.shards().stream())
                  .filter(s -> s.state().waiting()))
          .as("%s's shards beyond its quota wait", nation)
          .isNotEmpty();
    }
    assertThat(
            NATIONS.stream()
                .filter(n -> peaks.get(n).amount() > quotas.get(n).nominal().cpus())
                .toList())
        .as("nations that borrowed above nominal (else the ceilings were never tested)")
        .isNotEmpty();
    assertNodesNotOvercommitted(log, stored, nodeCpus);
  }

  // ---------------------------------------------------------------------------------------------
  // Setup

  private static UnaryOperator<CoordinatorSettings> scheduling(Map<String, Quota> quotas) {
    return s ->
        s.withScheduling(
            SchedulingSettings.defaults()
                .withQuotas(quotas)
                .withTimings(
                    Duration.ofMillis(200),
                    Duration.ofMillis(1500),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(100)));
  }

  private static Quota cpuQuota(long nominal, long borrowing, Long lending) {
    return new Quota(
        new ResourceVector(0, nominal, 0),
        new ResourceVector(0, borrowing, 0),
        lending == null ? null : new ResourceVector(0, lending, 0));
  }

  /** A job named after its nation and index; {@code short} ones succeed as soon as they start. */
  private static JobSpec spec(String nation, int i, boolean isShort, int shards, int cpus) {
    return JobSpec.newBuilder()
        .setName(nation.toLowerCase(Locale.ROOT) + "-" + i + (isShort ? "-short" : "-long"))
        .setKind("inference")
        .setShards(shards)
        .setRetryLimit(3)
        .setResources(ShardResources.newBuilder().setCpus(cpus))
        .build();
  }

  private static String slot(String jobId, int shard, int attempt) {
    return jobId + "#" + shard + "#" + attempt;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  /** A job and its shards, with the shards' znode versions, as read from ZooKeeper. */
  private record Stored(JobRecord job, List<ShardRecord> shards, List<Integer> versions) {}

  private static Map<String, Stored> readJobs(CuratorFramework zk) throws Exception {
    Map<String, Stored> out = new TreeMap<>();
    for (String id : zk.getChildren().forPath(ZkPaths.JOBS)) {
      JobRecord job = Json.read(zk.getData().forPath(ZkPaths.job(id)), JobRecord.class);
      List<ShardRecord> shards = new ArrayList<>();
      List<Integer> versions = new ArrayList<>();
      for (int i = 0; i < job.spec().shards(); i++) {
        Stat stat = new Stat();
        byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.shard(id, i));
        shards.add(Json.read(data, ShardRecord.class));
        versions.add(stat.getVersion());
      }
      out.put(id, new Stored(job, shards, versions));
    }
    return out;
  }

  /** {@code job#shard#attempt@node} of every shard holding a node. */
  private static Set<String> holding(Map<String, Stored> stored) {
    Set<String> out = new TreeSet<>();
    stored.forEach(
        (id, s) ->
            s.shards().stream()
                .filter(r -> r.state().holdsNode())
                .forEach(r -> out.add(slot(id, r.index(), r.attempt()) + "@" + r.node())));
    return out;
  }

  private static Map<String, Long> usageByNation(Map<String, Stored> stored) {
    Map<String, Long> out = new TreeMap<>();
    NATIONS.forEach(n -> out.put(n, 0L));
    stored.forEach(
        (id, s) ->
            out.merge(
                s.job().nation(),
                s.shards().stream().filter(r -> r.state().holdsNode()).count()
                    * s.job().spec().resources().cpus(),
                Long::sum));
    return out;
  }

  /**
   * Waits until the shards holding nodes in ZooKeeper are exactly the attempts the agents were
   * given and still run, for a second on end, and returns that state.
   */
  private static Map<String, Stored> awaitSettled(CuratorFramework zk, Fleet fleet) {
    AtomicReference<Map<String, Stored>> last = new AtomicReference<>();
    AtomicReference<String> diff = new AtomicReference<>("");
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .during(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                Map<String, Stored> now = readJobs(zk);
                last.set(now);
                Set<String> inZk = holding(now);
                Set<String> onAgents = fleet.holdingKeys();
                diff.set(
                    "only in ZooKeeper "
                        + minus(inZk, onAgents)
                        + ", only on agents "
                        + minus(onAgents, inZk));
                return inZk.equals(onAgents);
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "attempts holding nodes in ZooKeeper never settled on the attempts the agents run: "
              + diff.get()
              + "; agent errors "
              + fleet.errors,
          e);
    }
    assertThat(fleet.errors).as("agent errors").isEmpty();
    return last.get();
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  private static void assertEachRequestMadeOneJob(
      Map<String, Stored> stored, Burst burst, List<Request> requests) {
    assertThat(burst.acked).as("acknowledged requests").hasSize(requests.size());
    for (Map.Entry<String, String> ack : burst.acked.entrySet()) {
      Stored s = stored.get(ack.getValue());
      assertThat(s)
          .as("acknowledged job %s of %s in ZooKeeper", ack.getValue(), ack.getKey())
          .isNotNull();
      assertThat(s.job().nation() + "/" + s.job().requestId()).isEqualTo(ack.getKey());
    }
    Map<String, List<String>> byRequest =
        stored.values().stream()
            .collect(
                Collectors.groupingBy(
                    s -> s.job().nation() + "/" + s.job().requestId(),
                    TreeMap::new,
                    Collectors.mapping(s -> s.job().id(), Collectors.toList())));
    assertThat(byRequest.entrySet().stream().filter(e -> e.getValue().size() > 1))
        .as("request ids that produced more than one job")
        .isEmpty();
    assertThat(stored).as("jobs in ZooKeeper").hasSize(requests.size());
  }

  /**
   * Attempts only grow, each attempt is on one node and goes PLACED, RUNNING, then out, once; and
   * each attempt an agent was given went to that node alone.
   */
  private static void assertAttemptsPlacedOnce(
      ShardLog log, Fleet fleet, Map<String, Stored> stored) {
    assertThat(log.violations()).as("shard histories breaking the attempt rules").isEmpty();
    Map<String, Set<String>> nodesBySlot = new TreeMap<>();
    for (Fleet.Run r : fleet.given) {
      nodesBySlot
          .computeIfAbsent(slot(r.jobId(), r.shard(), r.attempt()), k -> new TreeSet<>())
          .add(r.node());
    }
    assertThat(nodesBySlot.entrySet().stream().filter(e -> e.getValue().size() > 1))
        .as("attempts given to more than one node")
        .isEmpty();
    Map<String, String> recorded = log.nodeByAttempt();
    stored.forEach(
        (id, s) ->
            s.shards().stream()
                .filter(r -> r.attempt() > 0)
                .forEach(r -> recorded.putIfAbsent(slot(id, r.index(), r.attempt()), r.node())));
    assertThat(
            nodesBySlot.entrySet().stream()
                .filter(e -> recorded.containsKey(e.getKey()))
                .filter(e -> !e.getValue().equals(Set.of(recorded.get(e.getKey()))))
                .map(
                    e ->
                        e.getKey()
                            + " given to "
                            + e.getValue()
                            + ", recorded on "
                            + recorded.get(e.getKey())))
        .as("attempts given to another node than the one of record")
        .isEmpty();
    assertThat(nodesBySlot.keySet())
        .as("attempts given to agents, all of record")
        .isSubsetOf(recorded.keySet());
  }

  private static void assertNodesNotOvercommitted(
      ShardLog log, Map<String, Stored> stored, int cpus) {
    Map<String, Peak> byNode = log.peaks(stored, Hold::node);
    assertThat(byNode.values().stream().filter(p -> p.amount() > cpus))
        .as("nodes holding more than their %d CPUs at once", cpus)
        .isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // The record of shard versions

  /** Stretch of zxids over which an attempt certainly held its node. */
  private record Hold(String jobId, int shard, int attempt, String node, long from, long to) {}

  /** The most a group certainly held at once, at which zxid, and what. */
  private record Peak(long amount, long zxid, List<Hold> holding) {}

  /**
   * Every version of every shard that a cache on {@code /jobs} saw, with the zxid that wrote it. A
   * cache may skip versions, never reorder them; so what it saw held a node certainly did from the
   * first to the last version seen holding it, and a sum over those stretches at any zxid is at
   * most what was really held then. Thread-safe.
   */
  private static final class ShardLog {
    private record Seen(long zxid, int version, ShardRecord shard) {}

    private final Map<String, List<Seen>> shards = new ConcurrentHashMap<>();
    private final List<String> unreadable = new CopyOnWriteArrayList<>();

    static ShardLog start(CuratorFramework zk) {
      ShardLog log = new ShardLog();
      CuratorCache cache = CuratorCache.build(zk, ZkPaths.JOBS);
      cache
          .listenable()
          .addListener(
              CuratorCacheListener.builder()
                  .forCreatesAndChanges((old, now) -> log.seen(now))
                  .build());
      caches.add(cache);
      cache.start();
      return log;
    }

    private void seen(ChildData d) {
      String[] p = d.getPath().split("/"); // "", "jobs", id, "shards", index
      if (p.length != 5 || !"shards".equals(p[3])) {
        return;
      }
      try {
        shards
            .computeIfAbsent(p[2] + "#" + p[4], k -> new CopyOnWriteArrayList<>())
            .add(
                new Seen(
                    d.getStat().getMzxid(),
                    d.getStat().getVersion(),
                    Json.read(d.getData(), ShardRecord.class)));
      } catch (RuntimeException e) {
        unreadable.add(d.getPath() + ": " + e);
      }
    }

    List<String> violations() {
      List<String> out = new ArrayList<>(unreadable);
      shards.forEach(
          (key, seen) -> {
            Seen prev = null;
            Map<Integer, String> nodes = new HashMap<>();
            for (Seen s : seen) {
              ShardRecord r = s.shard();
              String at = key + " v" + s.version() + " " + r.state() + "#" + r.attempt();
              if (prev != null) {
                ShardRecord q = prev.shard();
                if (s.version() < prev.version()) {
                  out.add(at + ": seen after v" + prev.version());
                } else if (r.attempt() < q.attempt()) {
                  out.add(at + ": attempt went back from " + q.attempt());
                } else if (r.attempt() == q.attempt() && rank(r.state()) < rank(q.state())) {
                  out.add(at + ": went back from " + q.state());
                }
              }
              if (r.attempt() == 0 && r.state() != ShardState.PENDING) {
                out.add(at + ": no attempt");
              }
              if (r.state().holdsNode() && r.node().isEmpty()) {
                out.add(at + ": holds no node");
              }
              if (r.attempt() > 0) {
                String first = nodes.putIfAbsent(r.attempt(), r.node());
                if (first != null && !first.equals(r.node())) {
                  out.add(at + ": on " + r.node() + ", earlier on " + first);
                }
              }
              prev = s;
            }
          });
      return out;
    }

    private static int rank(ShardState s) {
      return switch (s) {
        case PENDING -> 0;
        case PLACED -> 1;
        case RUNNING -> 2;
        default -> 3;
      };
    }

    /** {@code job#shard#attempt} to its node, for every attempt seen. */
    Map<String, String> nodeByAttempt() {
      Map<String, String> out = new TreeMap<>();
      shards.forEach(
          (key, seen) ->
              seen.stream()
                  .map(Seen::shard)
                  .filter(r -> r.attempt() > 0)
                  .forEach(r -> out.putIfAbsent(key + "#" + r.attempt(), r.node())));
      return out;
    }

    /**
     * Per attempt, the zxids over which it certainly held its node: from the first version seen
     * holding it to the last, stretched to just before the next version where that one was seen too
     * (a write raises the version by one), and for good where it is still the version in {@code
     * last}, read after everything recorded here happened.
     */
    List<Hold> holds(Map<String, Stored> last) {
      List<Hold> out = new ArrayList<>();
      shards.forEach(
          (key, seen) -> {
            String[] k = key.split("#");
            int index = Integer.parseInt(k[1]);
            Stored now = last.get(k[0]);
            int lastVersion = now == null ? -1 : now.versions().get(index);
            TreeMap<Integer, Seen> byVersion = new TreeMap<>();
            seen.forEach(s -> byVersion.putIfAbsent(s.version(), s));
            Map<Integer, Hold> byAttempt = new TreeMap<>();
            for (Seen s : byVersion.values()) {
              ShardRecord r = s.shard();
              if (!r.state().holdsNode()) {
                continue;
              }
              Map.Entry<Integer, Seen> next = byVersion.higherEntry(s.version());
              long until;
              if (next != null && next.getKey() == s.version() + 1) {
                until = next.getValue().zxid() - 1;
              } else if (next == null && s.version() == lastVersion) {
                until = Long.MAX_VALUE;
              } else {
                until = s.zxid();
              }
              byAttempt.merge(
                  r.attempt(),
                  new Hold(k[0], index, r.attempt(), r.node(), s.zxid(), until),
                  (a, b) ->
                      new Hold(
                          a.jobId(),
                          a.shard(),
                          a.attempt(),
                          a.node(),
                          Math.min(a.from(), b.from()),
                          Math.max(a.to(), b.to())));
            }
            out.addAll(byAttempt.values());
          });
      return out;
    }

    /** Per group, the most CPUs held at once; a maximum is reached where some stretch begins. */
    Map<String, Peak> peaks(Map<String, Stored> jobs, Function<Hold, String> group) {
      List<Hold> all = holds(jobs);
      Map<String, Peak> out = new TreeMap<>();
      for (Hold start : all) {
        String g = group.apply(start);
        List<Hold> at =
            all.stream()
                .filter(h -> h.from() <= start.from() && start.from() <= h.to())
                .filter(h -> group.apply(h).equals(g))
                .toList();
        long amount =
            at.stream().mapToLong(h -> jobs.get(h.jobId()).job().spec().resources().cpus()).sum();
        Peak p = out.get(g);
        if (p == null || amount > p.amount()) {
          out.put(g, new Peak(amount, start.from(), at));
        }
      }
      return out;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Agents

  /** Raw agents that run whatever they are given, and what each was told. Thread-safe. */
  private static final class Fleet {
    /** One attempt given to one node. */
    record Run(String node, String jobId, int shard, int attempt, String nation, int cpus) {
      String key() {
        return slot(jobId, shard, attempt) + "@" + node;
      }
    }

    final List<Run> given = new CopyOnWriteArrayList<>();
    final Map<String, Run> holding = new ConcurrentHashMap<>();
    final List<String> errors = new CopyOnWriteArrayList<>();

    void connect(JobFederation fed, String via, String nation, String name, int cpus) {
      NodeResources resources = RawAgent.defaultResources().toBuilder().setCpuCores(cpus).build();
      String node = nation + "/" + name;
      fed.nodeVia(via, nation, name, resources, (agent, m) -> answer(node, agent, m));
    }

    private void answer(String node, RawAgent agent, CoordinatorMessage m) {
      try {
        if (m.hasAssign()) {
          ShardAssignment a = m.getAssign();
          Run r =
              new Run(
                  node,
                  a.getJobId(),
                  a.getShard(),
                  a.getAttempt(),
                  a.getJobName().substring(0, 2).toUpperCase(Locale.ROOT),
                  a.getResources().getCpus());
          given.add(r);
          agent.report(
              a.getJobId(), a.getShard(), a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
          if (a.getJobName().endsWith("-short")) {
            agent.report(
                a.getJobId(),
                a.getShard(),
                a.getAttempt(),
                ShardPhase.SHARD_PHASE_SUCCEEDED,
                "done");
          } else {
            holding.put(r.key(), r);
          }
        } else if (m.hasCancel()) {
          var c = m.getCancel();
          holding.remove(slot(c.getJobId(), c.getShard(), c.getAttempt()) + "@" + node);
        }
      } catch (RuntimeException e) {
        errors.add(node + ": " + e);
      }
    }

    Set<String> holdingKeys() {
      return new TreeSet<>(holding.keySet());
    }

    Map<String, Long> usageByNation() {
      Map<String, Long> out = new TreeMap<>();
      NATIONS.forEach(n -> out.put(n, 0L));
      holding.values().forEach(r -> out.merge(r.nation(), (long) r.cpus(), Long::sum));
      return out;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Clients

  /** One job to submit, under the request id {@code <nation>-req-<index>}. */
  private record Request(String nation, int index, JobSpec spec) {
    String requestId() {
      return nation + "-req-" + index;
    }

    String key() {
      return nation + "/" + requestId();
    }
  }

  /**
   * Operators of the three nations submitting on a few threads each, as a real client does: the
   * same request id on every try, the next replica after UNAVAILABLE or DEADLINE_EXCEEDED, a short
   * pause between tries. Thread-safe.
   */
  private static final class Burst {
    private static final Set<Status.Code> RETRYABLE =
        Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

    /** {@code nation/requestId} to the acknowledged job id. */
    final Map<String, String> acked = new ConcurrentHashMap<>();

    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger ackedAfterKill = new AtomicInteger();
    final List<String> ackedTwice = new CopyOnWriteArrayList<>();
    volatile boolean killed;
    volatile String stopping = "none";

    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private final ExecutorService pool;
    private final List<Future<?>> work = new ArrayList<>();

    private Burst(int threads) {
      pool = Executors.newFixedThreadPool(threads);
    }

    static Burst start(JobFederation fed, List<Request> requests, int threadsPerNation) {
      Burst b = new Burst(NATIONS.size() * threadsPerNation);
      for (String operator : NATIONS) {
        for (String via : NATIONS) {
          b.channels.put(operator + ">" + via, f.channel(fed.replica(via), f.operator(operator)));
        }
      }
      CountDownLatch go = new CountDownLatch(1);
      for (String nation : NATIONS) {
        for (int t = 0; t < threadsPerNation; t++) {
          int thread = t;
          List<Request> mine =
              requests.stream()
                  .filter(r -> r.nation().equals(nation) && r.index() % threadsPerNation == thread)
                  .toList();
          b.work.add(
              b.pool.submit(
                  () -> {
                    go.await();
                    for (Request r : mine) {
                      b.submit(r);
                    }
                    return null;
                  }));
        }
      }
      go.countDown();
      return b;
    }

    private void submit(Request r) {
      SubmitJobRequest req =
          SubmitJobRequest.newBuilder()
              .setSpec(r.spec())
              .setNation(r.nation())
              .setRequestId(r.requestId())
              .build();
      AtomicInteger tries = new AtomicInteger();
      AtomicReference<SubmitJobResponse> reply = new AtomicReference<>();
      await()
          .alias("submission of " + r.key())
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                String via = NATIONS.get((r.index() + tries.getAndIncrement()) % NATIONS.size());
                try {
                  reply.set(
                      JobServiceGrpc.newBlockingStub(channels.get(r.nation() + ">" + via))
                          .withDeadlineAfter(5, TimeUnit.SECONDS)
                          .submitJob(req));
                  return true;
                } catch (StatusRuntimeException e) {
                  if (!RETRYABLE.contains(e.getStatus().getCode())) {
                    throw new AssertionError(
                        r.key()
                            + " via "
                            + via
                            + " (replica being stopped: "
                            + stopping
                            + "): "
                            + e.getStatus(),
                        e);
                  }
                  retries.incrementAndGet();
                  return false;
                }
              });
      if (reply.get().getDuplicate()) {
        duplicates.incrementAndGet();
      }
      if (killed) {
        ackedAfterKill.incrementAndGet();
      }
      if (acked.putIfAbsent(r.key(), reply.get().getJobId()) != null) {
        ackedTwice.add(r.key());
      }
    }

    void awaitDone(Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      try {
        for (Future<?> w : work) {
          w.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      } catch (ExecutionException e) {
        throw new AssertionError("a submitter failed", e.getCause());
      } catch (TimeoutException e) {
        throw new AssertionError("submitters still busy after " + within, e);
      } finally {
        pool.shutdownNow();
      }
      assertThat(ackedTwice).isEmpty();
    }
  }
}
