package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.mobilitycorp.fleet.bench.LatencySweep.Configuration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The latency sweep's pure logic: configurations, percentiles, the kept-up decision, summaries. */
class LatencySweepTest {

  @Test
  void sweepsRatesThenIntervalsRunningTheSharedPointOnce() {
    assertThat(LatencySweep.configurations(List.of(1000, 5000, 20000), 1000,
            List.of(250L, 1000L, 5000L), 1000),
        equalTo(List.of(new Configuration(1000, 1000), new Configuration(5000, 1000),
            new Configuration(20000, 1000), new Configuration(1000, 250),
            new Configuration(1000, 5000))));
    assertThat(LatencySweep.configurations(List.of(500), 1000, List.of(), 1000),
        equalTo(List.of(new Configuration(500, 1000))));
    assertThat(LatencySweepBench.numbers(""), equalTo(List.of()));
    assertThat(LatencySweepBench.numbers("250, 1000"), equalTo(List.of(250L, 1000L)));
  }

  @Test
  void nearestRankPercentiles() {
    List<Long> hundred = new ArrayList<>();
    for (long i = 1; i <= 100; i++) {
      hundred.add(i);
    }
    assertThat(Stats.percentile(hundred, 50), equalTo(50L));
    assertThat(Stats.percentile(hundred, 99), equalTo(99L));
    assertThat(Stats.percentile(hundred, 100), equalTo(100L));
    assertThat(Stats.percentile(List.of(7L), 99), equalTo(7L));
    // Few samples: p99 is the max.
    assertThat(Stats.percentile(List.of(1L, 2L, 3L), 99), equalTo(3L));
  }

  @Test
  void pathResultSortsAndCountsUnseen() {
    Map<String, Object> p = LatencySweep.pathResult(List.of(30L, 10L, 20L), 2);
    assertThat(p.get("count"), equalTo(3));
    assertThat(p.get("unseen"), equalTo(2));
    assertThat(p.get("p50Ms"), equalTo(20L));
    assertThat(p.get("maxMs"), equalTo(30L));
    assertThat(LatencySweep.pathResult(List.of(), 5).containsKey("p50Ms"), equalTo(false));
  }

  @Test
  void keptUpWhenTheLagStaysWithinSlack() {
    KeptUp k = KeptUp.judge(800, 1500, 1000, 990, 60);
    assertThat(k.sustained(), equalTo(true));
    assertThat(k.verdict(), startsWith("sustained"));
  }

  @Test
  void notSustainedWhenTheLagGrows() {
    KeptUp k = KeptUp.judge(10_000, 250_000, 5000, 700, 60);
    assertThat(k.sustained(), equalTo(false));
    assertThat(k.verdict(), containsString("not sustained: lag grew from 10,000 to 250,000"));
  }

  @Test
  void notSustainedWhenTheBacklogWasNotDrained() {
    // Kept pace, but 20 s of input behind all along: latencies would be the backlog's age.
    KeptUp k = KeptUp.judge(20_000, 20_500, 1000, 1000, 60);
    assertThat(k.sustained(), equalTo(false));
    assertThat(k.verdict(), containsString("backlog was not drained"));
  }

  @Test
  void lagAtEitherEndIsTheLowestWithinOneCheckpointInterval() {
    // Committed offsets advance at checkpoints (every 1 s): the lag saws; its troughs count.
    List<KeptUp.LagSample> samples = new ArrayList<>();
    long committed = 0;
    for (long t = 0; t <= 60_000; t += 500) {
      if (t % 1000 == 0) {
        committed = t; // 1,000 events/s, all committed at each checkpoint
      }
      samples.add(new KeptUp.LagSample(t, t + 500 - committed, committed));
    }
    KeptUp k = KeptUp.judge(samples, 0, 60_000, 1000, 1000);
    assertThat(k.lagAtStart(), equalTo(500L));
    assertThat(k.lagAtEnd(), equalTo(500L));
    assertThat(k.sustained(), equalTo(true));
    assertThat(Math.round(k.committedRate()), equalTo(1000L));
    assertThat(KeptUp.judge(List.of(), 0, 60_000, 1000, 1000).sustained(), equalTo(false));
  }

  @Test
  @SuppressWarnings("unchecked")
  void summaryIsMedianMinMaxOfEachRunsPercentiles() {
    List<Map<String, Object>> runs = List.of(
        run(true, 1000, 100, 900, 1200),
        run(true, 980, 120, 1100, 1500),
        run(false, 990, 90, 800, 1000),
        Map.of("error", "no result"));
    Map<String, Object> s = LatencySweep.summarize(runs, List.of(LatencyRun.RETURN_TO_TABLE));
    assertThat(s.get("runsOk"), equalTo(3));
    assertThat(s.get("runsFailed"), equalTo(1));
    assertThat(s.get("runsSustained"), equalTo(2L));
    assertThat(s.get("sustained"), equalTo("some"));
    assertThat(((Map<String, Object>) s.get("sendRate")).get("median"), equalTo(990.0));
    Map<String, Object> path = (Map<String, Object>) ((Map<String, Object>) s.get("paths"))
        .get(LatencyRun.RETURN_TO_TABLE);
    assertThat(path.get("p99Ms"), equalTo(new Stats(900.0, 800.0, 1100.0, 3).toMap()));
    assertThat(path.get("p50Ms"), equalTo(new Stats(100.0, 90.0, 120.0, 3).toMap()));
    assertThat(path.get("maxMs"), equalTo(new Stats(1200.0, 1000.0, 1500.0, 3).toMap()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void runsWithoutSamplesOfAPathAreLeftOutOfItsFigures() {
    Map<String, Object> empty = Map.of("sendRate", 1000.0,
        "keptUp", Map.of("sustained", true, "committedEventsPerSecond", 1000.0),
        "paths", Map.of(LatencyRun.TELEMETRY_TO_ALERT, LatencySweep.pathResult(List.of(), 0)));
    Map<String, Object> s = LatencySweep.summarize(List.of(empty),
        List.of(LatencyRun.TELEMETRY_TO_ALERT));
    Map<String, Object> path = (Map<String, Object>) ((Map<String, Object>) s.get("paths"))
        .get(LatencyRun.TELEMETRY_TO_ALERT);
    assertThat(path, equalTo(Map.of("runsWithSamples", 0)));
    assertThat(s.get("sustained"), equalTo("all"));
  }

  @Test
  void expectedRunTimeGrowsWithTheHistoryToSimulate() {
    long slow = LatencySweep.expectedRunSeconds(new Configuration(20000, 1000), 900, 60, 60, 15);
    long fast = LatencySweep.expectedRunSeconds(new Configuration(1000, 1000), 900, 60, 60, 15);
    assertThat(fast, equalTo(25L + 3 + 20 + 60 + 60 + 15 + 15));
    assertThat(slow - fast, equalTo(57L));
  }

  private static Map<String, Object> run(boolean sustained, double sendRate, long p50, long p99,
      long max) {
    return Map.of("sendRate", sendRate,
        "keptUp", Map.of("sustained", sustained, "committedEventsPerSecond", sendRate),
        "paths", Map.of(LatencyRun.RETURN_TO_TABLE,
            Map.of("count", 200, "unseen", 0, "p50Ms", p50, "p99Ms", p99, "maxMs", max)));
  }
}
