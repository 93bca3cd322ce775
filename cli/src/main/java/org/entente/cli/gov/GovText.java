package org.entente.cli.gov;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.cli.config.DurationText;
import org.entente.cli.job.ByteQuantity;
import org.entente.cli.job.JobText;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.ApprovalView;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.Policy;
import org.entente.proto.v1.ProposalStatus;

/**
 * How {@code entente gov} reads command-line values and writes governed values for people and
 * scripts. Stateless.
 */
final class GovText {
  private static final Pattern DAYS = Pattern.compile("([0-9]{1,5})d");

  private GovText() {}

  /** A duration as {@code 90s}, {@code 2h} or {@code 7d}; an INVALID error naming the option. */
  static Duration duration(String option, String text) {
    String t = text == null ? "" : text.trim();
    Matcher m = DAYS.matcher(t);
    if (m.matches()) {
      return Duration.ofDays(Long.parseLong(m.group(1)));
    }
    try {
      return DurationText.parse(t);
    } catch (IllegalArgumentException e) {
      throw new UserException(
          ExitCodes.INVALID,
          option
              + ": '"
              + text
              + "' is not a duration; write a number with ms, s, m, h or d, for example 7d");
    }
  }

  /** A byte quantity such as {@code 512Gi}; an INVALID error naming the option. */
  static long bytes(String option, String text) {
    try {
      return ByteQuantity.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, option + ": " + e.getMessage());
    }
  }

  /** A whole number of at least {@code min}; an INVALID error naming the value otherwise. */
  static long whole(String what, String text, long min) {
    long n;
    try {
      n = Long.parseLong(text == null ? "" : text.trim());
    } catch (NumberFormatException e) {
      throw new UserException(ExitCodes.INVALID, what + ": '" + text + "' is not a whole number");
    }
    if (n < min) {
      throw new UserException(ExitCodes.INVALID, what + ": must be at least " + min + ", got " + n);
    }
    return n;
  }

  /** {@code NATION/NODE}; an INVALID error otherwise. */
  static String node(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
      throw new UserException(
          ExitCodes.INVALID, "NATION/NODE: expected a node such as DE/gpu-01, got '" + text + "'");
    }
    nation("NATION/NODE", text.substring(0, slash));
    return text;
  }

  /** A nation code such as {@code DE}; an INVALID error naming {@code what} otherwise. */
  static String nation(String what, String text) {
    try {
      return org.entente.security.Names.requireNation(text);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, what + ": " + e.getMessage());
    }
  }

  /** GPUs, CPUs and memory as {@code 8/128/512.0Gi}. */
  static String amounts(Amounts a) {
    return a.getGpus() + "/" + a.getCpus() + "/" + Output.gib(a.getMemoryBytes());
  }

  static Map<String, Object> json(Amounts a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("gpus", a.getGpus());
    m.put("cpus", a.getCpus());
    m.put("memoryBytes", a.getMemoryBytes());
    return m;
  }

  static Map<String, Object> json(GovernedQuota q) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nominal", json(q.getNominal()));
    m.put("borrowingLimit", q.hasBorrowingLimit() ? json(q.getBorrowingLimit()) : null);
    m.put("lendingLimit", q.hasLendingLimit() ? json(q.getLendingLimit()) : null);
    return m;
  }

  /** One member for {@code --json}. */
  static Map<String, Object> json(Member m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("nation", m.getNation());
    o.put("quota", m.hasQuota() ? json(m.getQuota()) : null);
    o.put("pledge", m.hasPledge() ? json(m.getPledge()) : null);
    o.put(
        "rootSha256",
        java.util.HexFormat.of()
            .formatHex(
                org.entente.security.Sha256.newDigest().digest(m.getRootDer().toByteArray())));
    return o;
  }

  /** A member as a table row: NATION, NOMINAL, BORROW-LIMIT, LEND-LIMIT, PLEDGE. */
  static List<String> row(Member m) {
    String pledge = m.hasPledge() ? amounts(m.getPledge()) : "-";
    if (!m.hasQuota()) {
      return List.of(m.getNation(), "none", "-", "-", pledge);
    }
    GovernedQuota q = m.getQuota();
    return List.of(
        m.getNation(),
        amounts(q.getNominal()),
        q.hasBorrowingLimit() ? amounts(q.getBorrowingLimit()) : "unlimited",
        q.hasLendingLimit() ? amounts(q.getLendingLimit()) : "unlimited",
        pledge);
  }

  static final List<String> MEMBER_HEADER =
      List.of("NATION", "NOMINAL", "BORROW-LIMIT", "LEND-LIMIT", "PLEDGE");

  static Map<String, Object> json(Policy p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("halfLifeMs", p.getHalfLifeMs());
    m.put("trustAfter", p.getTrustAfter());
    m.put("checkFraction", p.getCheckFraction());
    return m;
  }

  /** The policy for people; a zero is the built-in default. */
  static String policy(Policy p) {
    return "half-life "
        + (p.getHalfLifeMs() == 0 ? "default" : JobText.duration(p.getHalfLifeMs()))
        + ", trust after "
        + (p.getTrustAfter() == 0 ? "default" : p.getTrustAfter() + " results")
        + ", check fraction "
        + (p.getCheckFraction() == 0 ? "default" : p.getCheckFraction());
  }

  /** The threshold for people: {@code strict majority (2 of 3)} or {@code 2 of 3 nations}. */
  static String threshold(int threshold, int members) {
    int required = org.entente.security.governance.Tally.required(threshold, members);
    return threshold == 0
        ? "strict majority (" + required + " of " + members + ")"
        : required + " of " + members + " nations";
  }

  /** Items joined by ", ", or {@code -} when there are none. */
  static String list(Collection<String> items) {
    return items.isEmpty() ? "-" : String.join(", ", items);
  }

  /** An instant as ISO-8601 with how far it lies from now: {@code ... (in 6d)}. */
  static String when(long nowMs, long unixMs) {
    if (unixMs == 0) {
      return "-";
    }
    String iso = Instant.ofEpochMilli(unixMs).toString();
    return unixMs >= nowMs
        ? iso + " (in " + JobText.age(unixMs, nowMs) + ")"
        : iso + " (" + JobText.age(nowMs, unixMs) + " ago)";
  }

  /** A proposal's status for {@code --json}. */
  static Map<String, Object> json(ProposalStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.getId());
    m.put("kind", s.getKind());
    m.put("summary", s.getSummary());
    m.put("proposer", s.getProposer());
    m.put("reason", s.getReason());
    m.put("createdAt", JobText.instant(s.getCreatedUnixMs()));
    m.put("expiresAt", JobText.instant(s.getExpiresUnixMs()));
    m.put("outcome", s.getOutcome());
    m.put("refused", s.getRefused().isEmpty() ? null : s.getRefused());
    m.put("appliedSequence", s.getOutcome().equals("applied") ? s.getAppliedSequence() : null);
    m.put("approvingNations", s.getApprovingNationsList());
    m.put("required", s.getRequired());
    m.put("missingNations", s.getMissingNationsList());
    List<Map<String, Object>> approvals = new ArrayList<>();
    for (ApprovalView a : s.getApprovalsList()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("approver", a.getApprover());
      v.put("nation", a.getNation());
      v.put("signedAt", JobText.instant(a.getSignedUnixMs()));
      v.put("counts", a.getCounts());
      v.put("refused", a.getRefused().isEmpty() ? null : a.getRefused());
      approvals.add(v);
    }
    m.put("approvals", approvals);
    return m;
  }
}
