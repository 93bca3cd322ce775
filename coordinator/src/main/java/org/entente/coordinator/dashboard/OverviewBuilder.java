package org.entente.coordinator.dashboard;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.model.ShardRecord;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.GetQuotasResponse;
import org.entente.proto.v1.NationQuota;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.ResourceAmounts;

/**
 * Builds the dashboard's {@link Overview} from what one replica holds: it reads nothing itself, so
 * the same facts always give the same overview. Pure; stateless.
 */
public final class OverviewBuilder {
  /** The newest jobs shown; older ones stay in {@code entente jobs}. */
  public static final int MAX_JOBS = 50;

  /** Points per nation's chart. */
  public static final int MAX_POINTS = 200;

  private OverviewBuilder() {}

  /**
   * What a replica knows at one moment.
   *
   * @param leader the leader's participant id, or empty when none is known
   * @param live connected nodes; {@code roster} every node the leader recorded (for lost ones)
   * @param jobs jobs newest first, as {@link JobView#jobs()} gives them
   * @param cosigned the newest checkpoint a majority cosigned, or null
   * @param proposals every stored proposal's status; only pending ones are shown
   */
  public record Facts(
      long nowMs,
      String replica,
      String leader,
      Set<String> members,
      Map<NodeKey, NodeRecord> live,
      Map<NodeKey, RosterEntry> roster,
      List<JobView.Job> jobs,
      GetQuotasResponse quotas,
      ContributionTimeline timeline,
      long ledgerEntries,
      CosignedCheckpoint cosigned,
      List<String> witnessAlarms,
      List<String> governanceAlarms,
      List<ProposalStatus> proposals) {}

  public static Overview build(Facts f) {
    Map<String, Integer> shardsOnNode = new TreeMap<>();
    for (JobView.Job j : f.jobs()) {
      for (ShardRecord s : j.shards()) {
        if (s.state().holdsNode()) {
          shardsOnNode.merge(s.node(), 1, Integer::sum);
        }
      }
    }
    Set<String> nations = new TreeSet<>(f.members());
    f.live().keySet().forEach(k -> nations.add(k.nation()));
    f.roster().keySet().forEach(k -> nations.add(k.nation()));
    Map<String, NationQuota> quotas = new TreeMap<>();
    f.quotas().getNationsList().forEach(q -> quotas.put(q.getNation(), q));
    List<Overview.Nation> out = new ArrayList<>();
    for (String n : nations) {
      out.add(
          new Overview.Nation(
              n,
              nodes(n, f.live(), f.roster(), shardsOnNode),
              quota(quotas.get(n)),
              f.timeline().totals(n),
              f.timeline().series(n, MAX_POINTS)));
    }
    List<String> alarms = new ArrayList<>(f.witnessAlarms());
    Overview.Checkpoint checkpoint = null;
    if (f.cosigned() != null) {
      try {
        checkpoint = checkpoint(f.cosigned());
      } catch (InvalidProtocolBufferException e) {
        alarms.add("the cosigned checkpoint stored in ZooKeeper is unreadable");
      }
    }
    boolean quiet = alarms.isEmpty() && f.governanceAlarms().isEmpty();
    return new Overview(
        f.nowMs(),
        f.replica(),
        f.leader(),
        out,
        f.jobs().stream().limit(MAX_JOBS).map(OverviewBuilder::job).toList(),
        new Overview.Ledger(
            f.ledgerEntries(), checkpoint, alarms, f.governanceAlarms(), quiet ? "ok" : "alarm"),
        f.proposals().stream()
            .filter(p -> p.getOutcome().equals("pending"))
            .map(OverviewBuilder::proposal)
            .toList());
  }

  private static List<Overview.Node> nodes(
      String nation,
      Map<NodeKey, NodeRecord> live,
      Map<NodeKey, RosterEntry> roster,
      Map<String, Integer> shardsOnNode) {
    Set<NodeKey> keys = new TreeSet<>(live.keySet());
    keys.addAll(roster.keySet());
    List<Overview.Node> out = new ArrayList<>();
    for (NodeKey k : keys) {
      if (!k.nation().equals(nation)) {
        continue;
      }
      NodeRecord r = live.get(k);
      Resources res = r != null ? r.resources() : roster.get(k).resources();
      out.add(
          new Overview.Node(
              k.name(),
              r != null ? r.state().name() : "LOST",
              res.gpus().size(),
              res.gpus().stream().map(Resources.GpuRecord::model).distinct().toList(),
              res.cpuCores(),
              res.memoryBytes(),
              r != null ? r.replica() : "",
              shardsOnNode.getOrDefault(nation + "/" + k.name(), 0)));
    }
    return out;
  }

  private static Overview.Quota quota(NationQuota q) {
    if (q == null) {
      return null;
    }
    return new Overview.Quota(
        amounts(q.getNominal()),
        amounts(q.getUsage()),
        amounts(q.getBorrowed()),
        q.hasBorrowingLimit() ? amounts(q.getBorrowingLimit()) : null,
        amounts(q.getContributed()),
        q.getSource());
  }

  private static Overview.Amounts amounts(ResourceAmounts a) {
    return new Overview.Amounts(a.getGpus(), a.getCpus(), a.getMemoryBytes());
  }

  private static Overview.Job job(JobView.Job j) {
    var r = j.record();
    return new Overview.Job(
        r.id(),
        r.spec().name(),
        r.spec().kind(),
        r.nation(),
        r.state().name(),
        r.submittedAtMs(),
        j.shards().stream()
            .map(s -> new Overview.Shard(s.index(), s.state().name(), s.node(), s.attempt()))
            .toList());
  }

  private static Overview.Checkpoint checkpoint(CosignedCheckpoint c)
      throws InvalidProtocolBufferException {
    CheckpointBody b = CheckpointBody.parseFrom(c.getCheckpoint().getBody());
    return new Overview.Checkpoint(
        b.getTreeSize(),
        HexFormat.of().formatHex(b.getRootHash().toByteArray()),
        b.getAtUnixMs(),
        c.getCosignaturesList().stream().map(Cosignature::getNation).distinct().sorted().toList());
  }

  private static Overview.Proposal proposal(ProposalStatus p) {
    return new Overview.Proposal(
        p.getId(),
        p.getKind(),
        p.getSummary(),
        p.getProposer(),
        p.getExpiresUnixMs(),
        p.getApprovingNationsList(),
        p.getMissingNationsList(),
        p.getRequired());
  }
}
