package org.entente.coordinator.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.coordinator.model.TrainingRecord.Contribution;
import org.entente.proto.v1.ModelHeader;

/**
 * The FedAvg rounds of one training job, as the leader collects them: which shards sent their
 * update for the open round, when the round may close, and the average it closed with. Pure: the
 * caller passes the time and acts on what comes back. Not thread-safe; one owner thread.
 *
 * <p>A round closes when every shard has sent its update ("all"), or once {@code roundTimeout} has
 * passed since the first update and at least {@code minShards} have ("timeout": stragglers are left
 * out and catch up from the average). With fewer than {@code minShards} after {@link
 * TrainingPlan#QUORUM_WAIT_TIMEOUTS} timeouts the round fails and its waiting shards are told so.
 */
public final class RoundBook {
  /** One shard's update for a round. {@code model} must have round 0 (the layout only). */
  public record Update(
      int shard,
      int attempt,
      int round,
      long examples,
      double loss,
      ModelHeader model,
      float[] values) {
    public Update {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(values, "values");
    }
  }

  /** What to do with an update. */
  public sealed interface Offer {}

  /** It is in the open round; its answer comes when the round closes. */
  public record Accepted(int round) implements Offer {}

  /** Its round has closed: answer now with the newest average. */
  public record Late(Closed newest) implements Offer {}

  /** Why an update is refused, which decides what its sender should do. */
  public enum Refusal {
    /** The update itself is wrong (shape, values, weight): sending it again will not help. */
    INVALID,
    /** The round state is not ready for it yet (catching up, a new leader): send it again. */
    RETRY,
    /** Newer state has replaced it (a newer attempt sent, the job is done). */
    CONFLICT
  }

  /** Refused, and why. */
  public record Refused(String why, Refusal kind) implements Offer {}

  /** The most one update may weigh: far above any partition, far below overflow. */
  public static final long MAX_EXAMPLES = 1_000_000_000_000L;

  /** How an open round ended. */
  public sealed interface Settled {}

  /** A round that closed: the average and who is in it. */
  public record Closed(
      int round,
      ModelHeader model,
      float[] average,
      List<Contribution> contributions,
      List<Integer> missing,
      String closedBy,
      double loss,
      long examples,
      long openedAtMs,
      long closedAtMs,
      List<TrainingRecord.RefusedUpdate> refused)
      implements Settled {
    public Closed {
      refused = refused == null ? List.of() : List.copyOf(refused);
    }
  }

  /** A round that could not reach its quorum. */
  public record Failed(int round, String why) implements Settled {}

  private final int shards;
  private final TrainingPlan plan;
  private ModelHeader layout;
  private int open;
  private long openedAt;
  private final TreeMap<Integer, Update> received = new TreeMap<>();
  private Closed newest;

  /**
   * A book whose next round is {@code lastRound + 1}.
   *
   * @param lastRound the job's last recorded round (0 when none)
   * @param newest that round's average, or null when not at hand (then a late update is refused
   *     until the next round closes, and its shard retries)
   */
  public RoundBook(int shards, TrainingPlan plan, int lastRound, Closed newest) {
    if (shards < 1) {
      throw new IllegalArgumentException("a job has at least one shard");
    }
    this.shards = shards;
    this.plan = Objects.requireNonNull(plan, "plan");
    this.open = lastRound + 1;
    this.newest = newest;
    this.layout = newest == null ? null : newest.model().toBuilder().setRound(0).build();
  }

  /** The round being collected. */
  public int openRound() {
    return open;
  }

  /** Whether the job has run all its rounds. */
  public boolean finished() {
    return open > plan.rounds();
  }

  /** The newest closed round, or null. */
  public Closed newest() {
    return newest;
  }

  /** Takes an update at time {@code now}. */
  public Offer offer(Update u, long now) {
    if (u.shard() < 0 || u.shard() >= shards) {
      return new Refused("shard " + u.shard() + " is outside 0.." + (shards - 1), Refusal.INVALID);
    }
    if (u.examples() < 1 || u.examples() > MAX_EXAMPLES) {
      return new Refused(
          "an update weighs between 1 and " + MAX_EXAMPLES + " examples, got " + u.examples(),
          Refusal.INVALID);
    }
    if (!Double.isFinite(u.loss())) {
      return new Refused("the loss is not a finite number", Refusal.INVALID);
    }
    if (u.round() < open) {
      return newest != null && newest.round() >= u.round()
          ? new Late(newest)
          : new Refused(
              "round " + u.round() + " has closed and its average is not at hand yet; send again",
              Refusal.RETRY);
    }
    if (finished()) {
      return new Refused("the job has run all its " + plan.rounds() + " rounds", Refusal.CONFLICT);
    }
    if (u.round() > open) {
      return new Refused(
          "round "
              + u.round()
              + " is ahead of the job, which collects round "
              + open
              + "; send again once it has caught up",
          Refusal.RETRY);
    }
    ModelHeader shape = u.model().toBuilder().setRound(0).build();
    if (layout != null && !layout.equals(shape)) {
      return new Refused(
          "the model differs from the job's ("
              + describe(shape)
              + " vs "
              + describe(layout)
              + "): every shard must train the same architecture",
          Refusal.INVALID);
    }
    for (float v : u.values()) {
      if (!Float.isFinite(v)) {
        return new Refused(
            "the parameters hold NaN or infinite values; averaging them would spoil every shard",
            Refusal.INVALID);
      }
    }
    Update before = received.get(u.shard());
    if (before != null && before.attempt() > u.attempt()) {
      return new Refused(
          "a newer attempt of shard " + u.shard() + " already sent", Refusal.CONFLICT);
    }
    if (received.isEmpty()) {
      openedAt = now;
    }
    layout = shape;
    received.put(u.shard(), u);
    return new Accepted(open);
  }

  /** When the open round should next be looked at, or empty when it has no update yet. */
  public Optional<Long> nextCheckAt() {
    if (received.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        received.size() >= plan.minShards()
            ? openedAt + plan.roundTimeoutMs()
            : openedAt + plan.roundTimeoutMs() * TrainingPlan.QUORUM_WAIT_TIMEOUTS);
  }

  /**
   * Closes the open round if it may close at {@code now}: returns the closed round, a failed one,
   * or empty. A closed round becomes the newest; a failed one is emptied so that its shards can try
   * again.
   */
  public Optional<Settled> settle(long now) {
    if (received.isEmpty()) {
      return Optional.empty();
    }
    boolean all = received.size() == shards;
    boolean timedOut = now - openedAt >= plan.roundTimeoutMs();
    if (all || (timedOut && received.size() >= plan.minShards())) {
      return Optional.of(close(all ? "all" : "timeout", now));
    }
    if (now - openedAt >= plan.roundTimeoutMs() * TrainingPlan.QUORUM_WAIT_TIMEOUTS) {
      Failed f =
          new Failed(
              open,
              "round "
                  + open
                  + " had updates from "
                  + received.size()
                  + " of "
                  + shards
                  + " shards after "
                  + (now - openedAt) / 1000
                  + " s; it needs "
                  + plan.minShards()
                  + " (parameters.minShards)");
      received.clear();
      return Optional.of(f);
    }
    return Optional.empty();
  }

  private Closed close(String by, long now) {
    List<FedAvg.Weighted> parts = new ArrayList<>();
    List<Update> sent = new ArrayList<>(received.values());
    for (Update u : sent) {
      parts.add(new FedAvg.Weighted(u.values(), u.examples()));
    }
    RobustAggregation.Result combined = RobustAggregation.aggregate(parts, plan.aggregation());
    java.util.Set<Integer> out = new java.util.HashSet<>();
    List<TrainingRecord.RefusedUpdate> refused = new ArrayList<>();
    for (RobustAggregation.Refused r : combined.refused()) {
      Update u = sent.get(r.index());
      out.add(r.index());
      refused.add(new TrainingRecord.RefusedUpdate(u.shard(), u.attempt(), r.reason()));
    }
    List<Contribution> who = new ArrayList<>();
    long examples = 0;
    double lossSum = 0;
    for (int i = 0; i < sent.size(); i++) {
      if (out.contains(i)) {
        continue;
      }
      Update u = sent.get(i);
      who.add(new Contribution(u.shard(), u.attempt(), u.examples(), u.loss()));
      examples += u.examples();
      lossSum += u.loss() * u.examples();
    }
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      if (!received.containsKey(i)) {
        missing.add(i);
      }
    }
    Closed c =
        new Closed(
            open,
            layout.toBuilder().setRound(open).build(),
            combined.average(),
            who,
            missing,
            by,
            lossSum / examples,
            examples,
            openedAt,
            now,
            refused);
    received.clear();
    newest = c;
    open++;
    return c;
  }

  private static String describe(ModelHeader h) {
    return h.getArchitecture()
        + " "
        + new TreeMap<>(h.getArchitectureParametersMap())
        + ", "
        + h.getLayout().getTensorsCount()
        + " tensors";
  }
}
