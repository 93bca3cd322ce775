package org.entente.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.RoundOutcome;

/**
 * What {@link FedAvgBench} learned about one training job: the closing shard's exchange in each
 * measured round, split at the leader's close and record times, against the baselines. Immutable;
 * prints from one thread.
 */
record FedAvgRounds(
    String leader,
    JobStatus status,
    List<ShardTimings.Exchange> exchanges,
    Map<Integer, Long> recordedAt,
    double[] storeAlone) {
  void print(
      int warmup,
      double aloneBefore,
      double aloneAfter,
      List<Double> echoBefore,
      List<Double> echoAfter,
      double averageMs) {
    Map<Integer, RoundOutcome> outcomes = new HashMap<>();
    for (RoundOutcome o : status.getTraining().getRecentList()) {
      outcomes.put(o.getRound(), o);
    }
    Map<String, ShardTimings.Exchange> byShardRound = new HashMap<>();
    Map<Integer, List<ShardTimings.Exchange>> byRound = new HashMap<>();
    for (ShardTimings.Exchange e : exchanges) {
      byShardRound.put(e.shard() + "/" + e.round(), e);
      byRound.computeIfAbsent(e.round(), r -> new ArrayList<>()).add(e);
    }
    List<Double> overhead = new ArrayList<>();
    List<Double> total = new ArrayList<>();
    List<Double> compute = new ArrayList<>();
    List<Double> toClose = new ArrayList<>();
    List<Double> storeRecord = new ArrayList<>();
    List<Double> answer = new ArrayList<>();
    List<Double> extra = new ArrayList<>();
    int relayed = 0;
    int rounds = status.getTraining().getRounds();
    System.out.println(
        "round  closing shard    via      compute  exchange = to close + store&record + answer"
            + "   runner extra");
    for (int r = warmup + 1; r <= rounds; r++) {
      List<ShardTimings.Exchange> in = byRound.getOrDefault(r, List.of());
      RoundOutcome o = outcomes.get(r);
      Long recorded = recordedAt.get(r);
      if (in.size() != 3
          || o == null
          || recorded == null
          || !o.getClosedBy().equals("all")
          || o.getContributionsCount() != 3) {
        System.out.printf("round %d: %d exchanges, outcome %s: left out%n", r, in.size(), o);
        continue;
      }
      ShardTimings.Exchange c =
          in.stream().max(Comparator.comparingLong(ShardTimings.Exchange::startNanos)).get();
      ShardTimings.Exchange prev = byShardRound.get(c.shard() + "/" + (r - 1));
      double gap =
          prev == null ? Double.NaN : (c.startNanos() - prev.endNanos()) / 1e6 - c.computeMs();
      boolean direct = c.node().startsWith(leader + "/");
      relayed += direct ? 0 : 1;
      double close = o.getClosedAtUnixMs() - c.startWallMs();
      double stored = recorded - o.getClosedAtUnixMs();
      double back = c.endWallMs() - recorded;
      overhead.add(c.ms());
      total.add(c.ms() + gap);
      compute.add((double) c.computeMs());
      toClose.add(close);
      storeRecord.add(stored);
      answer.add(back);
      extra.add(gap);
      System.out.printf(
          Locale.ROOT,
          "%5d  %d (%s)  %-8s %4d ms  %5.0f ms = %4.0f + %4.0f + %4.0f                  %5.1f ms%n",
          r,
          c.shard(),
          c.node(),
          direct ? "leader" : "relayed",
          c.computeMs(),
          c.ms(),
          close,
          stored,
          back,
          gap);
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "overhead per round (closing shard's exchange), %d rounds (%d relayed):"
            + " p50 %.0f ms, p90 %.0f ms, max %.0f ms (target <= 200 ms)%n",
        overhead.size(),
        relayed,
        FedAvgBench.quantile(overhead, 0.5),
        FedAvgBench.quantile(overhead, 0.9),
        FedAvgBench.quantile(overhead, 1));
    System.out.printf(
        Locale.ROOT,
        "  p50 of its parts (wall-clock ms): to the round's close %.0f, checkpoint stored and round"
            + " recorded %.0f, answer back %.0f%n",
        FedAvgBench.quantile(toClose, 0.5),
        FedAvgBench.quantile(storeRecord, 0.5),
        FedAvgBench.quantile(answer, 0.5));
    System.out.printf(
        Locale.ROOT,
        "  for scale, after the job on the same replicas: storing a checkpoint-sized artifact"
            + " (ReplicatedArtifacts.put on the leader) %.0f ms; writing and syncing it to a"
            + " plain file %.0f ms%n",
        storeAlone[0],
        storeAlone[1]);
    System.out.printf(
        Locale.ROOT,
        "  with the runner's extra (parameters out of and into DJL, logging; p50 %.1f ms):"
            + " p50 %.0f ms, p90 %.0f ms, max %.0f ms%n",
        FedAvgBench.quantile(extra, 0.5),
        FedAvgBench.quantile(total, 0.5),
        FedAvgBench.quantile(total, 0.9),
        FedAvgBench.quantile(total, 1));
    System.out.printf(
        Locale.ROOT,
        "local compute per round (closing shard, three shards taking turns): p50 %.0f ms; one"
            + " shard's steps alone in this JVM: %.0f ms before the job, %.0f ms after%n",
        FedAvgBench.quantile(compute, 0.5),
        aloneBefore,
        aloneAfter);
    double echo =
        (FedAvgBench.quantile(echoBefore, 0.5) + FedAvgBench.quantile(echoAfter, 0.5)) / 2;
    System.out.printf(
        Locale.ROOT,
        "baseline, bare mTLS echo of the same update (agent's round client): p50 %.1f ms before"
            + " (p90 %.1f), %.1f ms after (p90 %.1f)%n",
        FedAvgBench.quantile(echoBefore, 0.5),
        FedAvgBench.quantile(echoBefore, 0.9),
        FedAvgBench.quantile(echoAfter, 0.5),
        FedAvgBench.quantile(echoAfter, 0.9));
    System.out.printf(
        Locale.ROOT,
        "baseline, in-process FedAvg of 3 updates + checkpoint encoding and SHA-256: %.1f ms%n",
        averageMs);
    System.out.printf(
        Locale.ROOT,
        "ratio overhead p50 / echo p50 (mean of before and after): %.2f%n",
        FedAvgBench.quantile(overhead, 0.5) / echo);
  }
}
