package com.mobilitycorp.fleet.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether the job kept up with the paced input while it was measured, from its consumer lag (the
 * input's end offsets minus the job's committed offsets). KafkaIO commits only when a checkpoint
 * completes, so the lag saws between ~0 and a checkpoint interval's worth of input; the lowest
 * lag within a couple of intervals is the job's real backlog at that point. A latency measured
 * while that backlog grows is the backlog's age, not the job's latency at this rate, so the report
 * says "not sustained" beside it.
 */
record KeptUp(boolean sustained, long lagAtStart, long lagAtEnd, double sendRate,
    double committedRate, String verdict) {

  /** The lag may grow by this much input over the measured period and still count as kept up. */
  static final double GROWTH_SLACK_SECONDS = 2;

  /** A backlog of more input than this at the end: the warm-up's backlog was not drained. */
  static final double BACKLOG_SLACK_SECONDS = 5;

  /** One observation: the job's lag and its committed offsets, summed over the input. */
  record LagSample(long atMillis, long lag, long committed) {}

  /**
   * Judges the measured period [{@code fromMillis}, {@code untilMillis}] from the lag samples; the
   * lag at either end is the lowest within two checkpoint intervals + 1 s of it (at least one
   * checkpoint completes in that time even when checkpoints run late).
   */
  static KeptUp judge(List<LagSample> samples, long fromMillis, long untilMillis,
      long checkpointMillis, double sendRate) {
    long window = 2 * checkpointMillis + 1000;
    LagSample start = lowest(samples, fromMillis, fromMillis + window);
    LagSample end = lowest(samples, untilMillis - window, untilMillis);
    if (start == null || end == null) {
      return new KeptUp(false, -1, -1, sendRate, -1,
          "not judged: no lag observed at the start or the end of the measured period");
    }
    double seconds = Math.max(0.001, (end.atMillis() - start.atMillis()) / 1000.0);
    double committedRate = (end.committed() - start.committed()) / seconds;
    return judge(start.lag(), end.lag(), sendRate, committedRate,
        (untilMillis - fromMillis) / 1000.0);
  }

  static KeptUp judge(long lagAtStart, long lagAtEnd, double sendRate, double committedRate,
      double measuredSeconds) {
    String lags = String.format(Locale.ROOT, "lag %,d at the start, %,d at the end; committed"
        + " %,.0f events/s of %,.0f sent", lagAtStart, lagAtEnd, committedRate, sendRate);
    if (lagAtEnd - lagAtStart > sendRate * GROWTH_SLACK_SECONDS) {
      return new KeptUp(false, lagAtStart, lagAtEnd, sendRate, committedRate, String.format(
          Locale.ROOT, "not sustained: lag grew from %,d to %,d in %.0f s (committed %,.0f"
              + " events/s of %,.0f sent)", lagAtStart, lagAtEnd, measuredSeconds, committedRate,
          sendRate));
    }
    if (lagAtEnd > sendRate * BACKLOG_SLACK_SECONDS) {
      return new KeptUp(false, lagAtStart, lagAtEnd, sendRate, committedRate,
          "not sustained: the backlog was not drained in the warm-up (" + lags + ")");
    }
    return new KeptUp(true, lagAtStart, lagAtEnd, sendRate, committedRate, "sustained (" + lags
        + ")");
  }

  private static LagSample lowest(List<LagSample> samples, long fromMillis, long untilMillis) {
    LagSample lowest = null;
    for (LagSample s : samples) {
      if (s.atMillis() >= fromMillis && s.atMillis() <= untilMillis
          && (lowest == null || s.lag() < lowest.lag())) {
        lowest = s;
      }
    }
    return lowest;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sustained", sustained);
    m.put("verdict", verdict);
    m.put("lagAtStart", lagAtStart);
    m.put("lagAtEnd", lagAtEnd);
    m.put("committedEventsPerSecond", committedRate);
    return m;
  }
}
