package com.mobilitycorp.fleet.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's progress through its input as its consumer group's committed offsets show it, observed
 * at intervals, and the window the sustained rate is measured over.
 *
 * <p>KafkaIO commits a source's offsets when the runner finalizes its checkpoint (Flink: when a
 * checkpoint completes, i.e. every record before it went through the whole topology), so the sum
 * rises in steps, one per checkpoint. The window opens at the first observation at or above {@code
 * startFraction} of the input and closes at the first at or above {@code endFraction}: JVM and
 * Flink start-up, and the tail where some sources have run dry, stay outside. Optional caps for
 * slow runners: after {@code maxWarmupMillis} from submission the window opens at the newest step
 * seen, and it closes at the newest step once it has been open {@code maxMeasureMillis}. Each end
 * of the window is a step, taken at the time it was first observed, so both ends carry the same
 * observation delay.
 */
final class CommittedProgress {

  /** The committed offsets summed over the input's partitions, observed at a time. */
  record Step(long atMillis, long committed) {}

  private final long inputRecords;
  private final long submittedAtMillis;
  private final double startFraction;
  private final double endFraction;
  private final long maxWarmupMillis;
  private final long maxMeasureMillis;

  private final List<Step> steps = new ArrayList<>();
  private Step firstCommit;
  private Step windowStart;
  private Step windowEnd;
  private String windowEndReason;
  private Step complete;

  /**
   * @param maxWarmupMillis 0 for no cap (the window opens at {@code startFraction} only)
   * @param maxMeasureMillis 0 for no cap (the window closes at {@code endFraction} only)
   */
  CommittedProgress(long inputRecords, long submittedAtMillis, double startFraction,
      double endFraction, long maxWarmupMillis, long maxMeasureMillis) {
    if (!(0 <= startFraction && startFraction < endFraction && endFraction <= 1)) {
      throw new IllegalArgumentException("need 0 <= start < end <= 1: " + startFraction + ", "
          + endFraction);
    }
    this.inputRecords = inputRecords;
    this.submittedAtMillis = submittedAtMillis;
    this.startFraction = startFraction;
    this.endFraction = endFraction;
    this.maxWarmupMillis = maxWarmupMillis;
    this.maxMeasureMillis = maxMeasureMillis;
  }

  /** One observation of the committed sum. */
  void observe(long atMillis, long committed) {
    if (steps.isEmpty() || steps.get(steps.size() - 1).committed() != committed) {
      steps.add(new Step(atMillis, committed));
    }
    Step newest = steps.get(steps.size() - 1);
    if (firstCommit == null && committed > 0) {
      firstCommit = newest;
    }
    if (windowStart == null) {
      if (committed >= startFraction * inputRecords) {
        windowStart = newest;
      } else if (maxWarmupMillis > 0 && committed > 0
          && atMillis - submittedAtMillis >= maxWarmupMillis) {
        windowStart = newest;
      }
    } else if (windowEnd == null) {
      if (committed >= endFraction * inputRecords) {
        windowEnd = newest;
        windowEndReason = "reached " + percent(endFraction) + " of the input";
      } else if (maxMeasureMillis > 0 && atMillis - windowStart.atMillis() >= maxMeasureMillis) {
        windowEnd = newest;
        windowEndReason = "measured for " + maxMeasureMillis / 1000 + " s (time cap)";
      }
    }
    if (complete == null && committed >= inputRecords) {
      complete = newest;
    }
  }

  boolean windowClosed() {
    return windowEnd != null;
  }

  /** Every input record committed. */
  boolean complete() {
    return complete != null;
  }

  /** Steps inside the window (both ends included); two are the least that give a rate. */
  int stepsInWindow() {
    if (windowStart == null) {
      return 0;
    }
    Step last = windowEnd != null ? windowEnd : steps.get(steps.size() - 1);
    return steps.indexOf(last) - steps.indexOf(windowStart) + 1;
  }

  /** Input records per second over the window; NaN while it is not closed or has one step. */
  double eventsPerSecond() {
    if (windowEnd == null || windowEnd.atMillis() == windowStart.atMillis()) {
      return Double.NaN;
    }
    return (windowEnd.committed() - windowStart.committed()) * 1000.0
        / (windowEnd.atMillis() - windowStart.atMillis());
  }

  long newestCommitted() {
    return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).committed();
  }

  /** For the run's JSON: times relative to submission, and every step. */
  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("inputRecords", inputRecords);
    m.put("submittedAtMillis", submittedAtMillis);
    m.put("windowStartFraction", startFraction);
    m.put("windowEndFraction", endFraction);
    m.put("maxWarmupSeconds", maxWarmupMillis / 1000.0);
    m.put("maxMeasureSeconds", maxMeasureMillis / 1000.0);
    put(m, "firstCommit", firstCommit);
    put(m, "windowStart", windowStart);
    put(m, "windowEnd", windowEnd);
    m.put("windowEndReason", windowEndReason);
    m.put("stepsInWindow", stepsInWindow());
    if (windowEnd != null) {
      m.put("windowSeconds", (windowEnd.atMillis() - windowStart.atMillis()) / 1000.0);
      m.put("eventsPerSecond", eventsPerSecond());
    }
    put(m, "allCommitted", complete);
    if (complete != null) {
      m.put("wallSecondsToAllCommitted", (complete.atMillis() - submittedAtMillis) / 1000.0);
    }
    m.put("committedAtEnd", newestCommitted());
    List<List<Long>> relative = new ArrayList<>();
    for (Step s : steps) {
      relative.add(List.of(s.atMillis() - submittedAtMillis, s.committed()));
    }
    m.put("steps [ms since submission, committed]", relative);
    return m;
  }

  private void put(Map<String, Object> m, String name, Step step) {
    if (step != null) {
      m.put(name + "SecondsAfterSubmission", (step.atMillis() - submittedAtMillis) / 1000.0);
      m.put(name + "Committed", step.committed());
    }
  }

  private static String percent(double fraction) {
    return Math.round(fraction * 100) + " %";
  }
}
