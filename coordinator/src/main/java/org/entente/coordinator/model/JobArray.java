package org.entente.coordinator.model;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.v1.ArrayRange;

/**
 * A job array, as {@code sbatch --array} or HTCondor's {@code queue N}: one spec submitted once
 * that becomes one job per index, each with the parameter {@value #INDEX} set to its index, so its
 * runner can tell the jobs apart; each job is then queued, placed and accounted on its own. Pure
 * and immutable.
 *
 * @param indices the indices in submission order (ascending within each range, ranges as given)
 */
public record JobArray(int[] indices) {
  /** The parameter carrying a job's index in its array. */
  public static final String INDEX = "array.index";

  /** The most jobs one array makes. */
  public static final int MAX_JOBS = 10_000;

  /** The largest index. */
  public static final int MAX_INDEX = 1_000_000;

  /**
   * Validates an array's ranges.
   *
   * @throws InvalidRequestException naming the field {@code array} when a range is empty, out of
   *     bounds or overlaps another, or the array makes more than {@value #MAX_JOBS} jobs
   */
  public static JobArray of(List<ArrayRange> ranges) {
    BitSet seen = new BitSet();
    int count = 0;
    for (ArrayRange r : ranges) {
      int step = r.getStep() == 0 ? 1 : r.getStep();
      if (r.getFirst() < 0 || r.getLast() > MAX_INDEX || r.getFirst() > r.getLast() || step < 0) {
        throw new InvalidRequestException(
            "array",
            "a range is FIRST-LAST[:STEP] with 0 <= FIRST <= LAST <= "
                + MAX_INDEX
                + " and STEP >= 1; got "
                + text(r));
      }
      long n = ((long) r.getLast() - r.getFirst()) / step + 1;
      if (count + n > MAX_JOBS) {
        throw new InvalidRequestException(
            "array", "at most " + MAX_JOBS + " jobs in one array; these ranges make more");
      }
      count += (int) n;
    }
    int[] indices = new int[count];
    int at = 0;
    for (ArrayRange r : ranges) {
      int step = r.getStep() == 0 ? 1 : r.getStep();
      for (long i = r.getFirst(); i <= r.getLast(); i += step) {
        if (seen.get((int) i)) {
          throw new InvalidRequestException(
              "array", "index " + i + " appears in more than one range (" + text(r) + ")");
        }
        seen.set((int) i);
        indices[at++] = (int) i;
      }
    }
    return new JobArray(indices);
  }

  public JobArray {
    indices = indices.clone();
  }

  @Override
  public int[] indices() {
    return indices.clone();
  }

  public int size() {
    return indices.length;
  }

  /**
   * The spec of the job at {@code index}: the array's spec plus {@value #INDEX}.
   *
   * @throws InvalidRequestException when the spec sets {@value #INDEX} itself or has no room for it
   */
  public static JobSpec element(JobSpec spec, int index) {
    if (spec.parameters().containsKey(INDEX)) {
      throw new InvalidRequestException(
          "parameters." + INDEX, "is set by the coordinator for each job of an array; remove it");
    }
    if (spec.parameters().size() >= 64) {
      throw new InvalidRequestException(
          "parameters", "at most 63 parameters in an array's spec (" + INDEX + " is added)");
    }
    Map<String, String> p = new TreeMap<>(spec.parameters());
    p.put(INDEX, Integer.toString(index));
    return new JobSpec(
        spec.name(),
        spec.kind(),
        spec.shards(),
        spec.resources(),
        spec.gang(),
        spec.placement(),
        spec.priority(),
        spec.retryLimit(),
        spec.maxRuntimeMs(),
        spec.model(),
        spec.data(),
        p);
  }

  /** A job's index in its array, or -1 when it is not in one. */
  public static int indexOf(JobSpec spec) {
    String v = spec.parameters().get(INDEX);
    if (v == null) {
      return -1;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The request id of the job at {@code index}, from the array's request id. */
  public static String requestId(String arrayRequestId, int index) {
    return arrayRequestId + "[" + index + "]";
  }

  private static String text(ArrayRange r) {
    return r.getFirst() + "-" + r.getLast() + (r.getStep() > 1 ? ":" + r.getStep() : "");
  }
}
