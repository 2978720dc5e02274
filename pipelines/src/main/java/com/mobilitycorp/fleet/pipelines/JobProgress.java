package com.mobilitycorp.fleet.pipelines;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Prints the job's Beam counters every few seconds while it runs, and cancels the job when the
 * JVM is asked to stop (Ctrl-C), so a local run ends cleanly.
 */
final class JobProgress {

  static void reportUntilDone(PipelineResult result, int intervalSeconds) throws Exception {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (!result.getState().isTerminal()) {
                    System.out.println("Stopping: cancelling the job...");
                    try {
                      result.cancel();
                    } catch (IOException | RuntimeException e) {
                      System.err.println("Cancel failed: " + e);
                    }
                  }
                  stopped.countDown();
                },
                "cancel-job-on-exit"));
    Map<String, Long> previous = new TreeMap<>();
    long previousAt = System.nanoTime();
    while (intervalSeconds > 0 && !result.getState().isTerminal()) {
      if (stopped.await(intervalSeconds, TimeUnit.SECONDS)) {
        return;
      }
      Map<String, Long> counters = counters(result);
      long now = System.nanoTime();
      System.out.println(line(counters, previous, (now - previousAt) / 1e9));
      previous = counters;
      previousAt = now;
    }
    PipelineResult.State state = result.waitUntilFinish();
    System.out.println("Job ended: " + state + " " + counters(result));
  }

  /**
   * Counter name -> value, summed over the steps that report it. A running Flink job reports its
   * Beam counters only as Flink metrics (exposed over JMX by flink-conf/local); other runners
   * through {@link PipelineResult#metrics()}.
   */
  static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> counters = flinkCountersOverJmx();
    if (!counters.isEmpty()) {
      return counters;
    }
    try {
      MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
      for (MetricResult<Long> counter : metrics.getCounters()) {
        counters.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
      }
    } catch (RuntimeException e) {
      // Metrics are best effort while the job starts or stops.
    }
    return counters;
  }

  /**
   * Beam counters of Flink operators in this JVM: Flink's JMX reporter names each counter's MBean
   * domain {@code org.apache.flink.taskmanager.job.task.operator.<namespace>.<name>}, with the
   * value in the attribute Count.
   */
  private static Map<String, Long> flinkCountersOverJmx() {
    Map<String, Long> counters = new TreeMap<>();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      for (ObjectName name :
          server.queryNames(new ObjectName("org.apache.flink.taskmanager.job.task.operator.*:*"), null)) {
        String metric = name.getDomain().substring(OPERATOR_DOMAIN.length());
        if (!metric.startsWith(BEAM_NAMESPACE_PREFIX)) {
          continue;
        }
        String counter = counterName(metric);
        Object count = server.getAttribute(name, "Count");
        if (count instanceof Number) {
          counters.merge(counter, ((Number) count).longValue(), Long::sum);
        }
      }
    } catch (JMException e) {
      // Not on Flink, or no reporter configured: fall back to the runner's metrics.
    }
    return counters;
  }

  /**
   * The counter's name in "com.mobilitycorp.fleet.io.kafka.DecodeEvents.decoded_veh.events.raw":
   * what follows the namespace class's simple name (names may contain dots, topic names do).
   */
  static String counterName(String metric) {
    String[] parts = metric.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      if (!parts[i].isEmpty() && Character.isUpperCase(parts[i].charAt(0))) {
        return String.join(".", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
      }
    }
    return metric;
  }

  private static final String OPERATOR_DOMAIN = "org.apache.flink.taskmanager.job.task.operator.";
  /** Our counters' namespaces are our classes' names. */
  private static final String BEAM_NAMESPACE_PREFIX = "com.mobilitycorp.";

  private static long sumEndingWith(Map<String, Long> counters, String suffix) {
    long sum = 0;
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      if (e.getKey().endsWith(suffix)) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  private static String line(Map<String, Long> now, Map<String, Long> before, double seconds) {
    StringBuilder out = new StringBuilder("[").append(LocalTime.now().truncatedTo(ChronoUnit.SECONDS)).append("]");
    long decoded = sumStartingWith(now, "decoded_");
    long decodedBefore = sumStartingWith(before, "decoded_");
    out.append(String.format(" events in %,d (%,.0f/s)", decoded, (decoded - decodedBefore) / seconds));
    out.append(String.format(" | duplicates dropped %,d", now.getOrDefault("duplicates_dropped", 0L)));
    out.append(String.format(" | dead letters %,d", sumStartingWith(now, "dead_letters_")));
    if (now.containsKey("vehicles_tracked")) {
      out.append(String.format(" | vehicles %,d", now.get("vehicles_tracked")));
      out.append(String.format(" | status changes %,d (late corrections %,d)",
          now.getOrDefault("status_changes", 0L) + now.getOrDefault("late_corrections", 0L),
          now.getOrDefault("late_corrections", 0L)));
    }
    if (now.containsKey("readings_enriched")) {
      out.append(String.format(" | enriched %,d (unknown vehicle %,d, weather joined %,d)",
          now.get("readings_enriched"), now.getOrDefault("enrichment_unknown_vehicle", 0L),
          now.getOrDefault("readings_joined_with_weather", 0L)));
    }
    long alerts = sumEndingWith(now, "_alerts_raised");
    if (alerts > 0) {
      out.append(String.format(
          " | alerts %,d (low battery %,d, geofence %,d, battery drain %,d, demand spike %,d)",
          alerts, now.getOrDefault("low_battery_alerts_raised", 0L),
          now.getOrDefault("geofence_violation_alerts_raised", 0L),
          now.getOrDefault("battery_drain_alerts_raised", 0L),
          now.getOrDefault("demand_spike_alerts_raised", 0L)));
    }
    if (now.containsKey("demand_windows_published")) {
      out.append(String.format(" | demand windows %,d (corrections %,d, bookings too late %,d)",
          now.get("demand_windows_published"), now.getOrDefault("demand_window_corrections", 0L),
          now.getOrDefault("demand_bookings_beyond_lateness", 0L)));
    }
    if (now.containsKey("utilization_readings_sampled")) {
      out.append(String.format(" | utilization samples %,d, hourly rows %,d (readings too late %,d)",
          now.get("utilization_readings_sampled"), now.getOrDefault("utilization_rows", 0L),
          now.getOrDefault("utilization_readings_beyond_lateness", 0L)));
    }
    if (now.containsKey("rows_submitted")) {
      out.append(String.format(" | available_vehicles upserts %,d", now.get("rows_submitted")));
    }
    now.forEach(
        (name, value) -> {
          if (name.startsWith("written_")) {
            out.append(String.format(" | %s %,d", name.substring("written_".length()), value));
          }
        });
    return out.toString();
  }

  private static long sumStartingWith(Map<String, Long> counters, String prefix) {
    return counters.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private JobProgress() {}
}
