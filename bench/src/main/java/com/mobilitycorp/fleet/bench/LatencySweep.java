package com.mobilitycorp.fleet.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The latency sweep's pure parts: its configurations, one run's figures, and their summary. */
final class LatencySweep {

  /** One point of the sweep: the paced input rate and the job's checkpoint interval. */
  record Configuration(int rate, long checkpointMillis) {
    String id() {
      return rate + "/s@" + checkpointMillis + "ms";
    }
  }

  /**
   * The rate sweep at {@code rateSweepInterval}, then the interval sweep at {@code
   * intervalSweepRate}; a point in both (1,000/s at 1 s by default) runs once.
   */
  static List<Configuration> configurations(List<Integer> rates, long rateSweepInterval,
      List<Long> intervals, int intervalSweepRate) {
    Set<Configuration> all = new LinkedHashSet<>();
    rates.forEach(rate -> all.add(new Configuration(rate, rateSweepInterval)));
    intervals.forEach(interval -> all.add(new Configuration(intervalSweepRate, interval)));
    return new ArrayList<>(all);
  }

  /** Count, the outputs not seen in time, and p50/p90/p99/max of one run's latencies (ms). */
  static Map<String, Object> pathResult(List<Long> latenciesMillis, int unseen) {
    List<Long> sorted = new ArrayList<>(latenciesMillis);
    Collections.sort(sorted);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", sorted.size());
    m.put("unseen", unseen);
    if (!sorted.isEmpty()) {
      m.put("p50Ms", Stats.percentile(sorted, 50));
      m.put("p90Ms", Stats.percentile(sorted, 90));
      m.put("p99Ms", Stats.percentile(sorted, 99));
      m.put("maxMs", sorted.get(sorted.size() - 1));
    }
    return m;
  }

  static final List<String> FIGURES = List.of("p50Ms", "p99Ms", "maxMs");

  /**
   * One configuration's runs: how many kept up, the send rate's and the committed rate's
   * median/min/max, and per path the median/min/max over the runs of each run's p50, p99 and max
   * (runs without a sample of that path left out, and counted).
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> summarize(List<Map<String, Object>> runs, List<String> paths) {
    List<Map<String, Object>> ok = runs.stream().filter(r -> !r.containsKey("error")).toList();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("runsOk", ok.size());
    s.put("runsFailed", runs.size() - ok.size());
    long sustained = ok.stream()
        .filter(r -> Boolean.TRUE.equals(((Map<String, Object>) r.get("keptUp")).get("sustained")))
        .count();
    s.put("runsSustained", sustained);
    s.put("sustained", ok.isEmpty() ? "no run" : sustained == ok.size() ? "all"
        : sustained == 0 ? "none" : "some");
    if (ok.isEmpty()) {
      return s;
    }
    s.put("sendRate", stats(ok, r -> BenchSupport.decimal(r, "sendRate")).toMap());
    s.put("committedRate", stats(ok, r -> BenchSupport.decimal(
        (Map<String, Object>) r.get("keptUp"), "committedEventsPerSecond")).toMap());
    Map<String, Object> perPath = new LinkedHashMap<>();
    for (String path : paths) {
      List<Map<String, Object>> measured = new ArrayList<>();
      for (Map<String, Object> r : ok) {
        Map<String, Object> p = (Map<String, Object>) ((Map<String, Object>) r.get("paths"))
            .get(path);
        if (p != null && p.containsKey("p50Ms")) {
          measured.add(p);
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("runsWithSamples", measured.size());
      if (!measured.isEmpty()) {
        for (String figure : FIGURES) {
          m.put(figure, stats(measured, p -> BenchSupport.decimal(p, figure)).toMap());
        }
        m.put("samplesPerRun", stats(measured, p -> BenchSupport.decimal(p, "count")).toMap());
        m.put("unseenPerRun", stats(measured, p -> BenchSupport.decimal(p, "unseen")).toMap());
      }
      perPath.put(path, m);
    }
    s.put("paths", perPath);
    return s;
  }

  private static Stats stats(List<Map<String, Object>> rows,
      Function<Map<String, Object>, Double> value) {
    return Stats.of(rows.stream().map(value).toList());
  }

  /**
   * A run's expected wall time (s): stack and reference data, simulating the history (its
   * telemetry is generated, then skipped) at ~300k messages/s, the job's start, warm-up,
   * measurement, waiting for the last outputs (in full when the job falls behind) and tear-down.
   */
  static long expectedRunSeconds(Configuration c, int historySeconds, int warmupSeconds,
      int measureSeconds, int settleSeconds) {
    long simulateHistory = (long) c.rate() * historySeconds / 300_000;
    // Start-up and tear-down as measured in a smoke run on this 2-core machine (loaded).
    return 25 + simulateHistory + 20 + warmupSeconds + measureSeconds + settleSeconds + 15;
  }

  /** Sizing a fleet simulates its whole window twice (estimate, then correction). */
  static long expectedSizingSeconds(int rate, int historySeconds, int warmupSeconds,
      int measureSeconds) {
    long window = historySeconds + warmupSeconds + measureSeconds
        + LiveFleet.MARGIN.getStandardSeconds();
    return 2L * rate * window / 300_000 + 1;
  }

  private LatencySweep() {}
}
