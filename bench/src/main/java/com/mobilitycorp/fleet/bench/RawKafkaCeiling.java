package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The raw Kafka ceiling on a broker that already holds the {@link ThroughputInput}: {@code runs}
 * times a copy pass and a consume-only pass ({@link CeilingRun}), each in a fresh JVM with a fresh
 * consumer group, the two alternating which goes first. The copy rate is what every pipeline
 * figure is compared to: the most a consume-produce loop gets through this broker on this machine.
 * Used by {@link RawKafkaCeilingBench} and, when no ceiling of the same input was measured here
 * before, by {@link FullTopologyThroughputBench}.
 */
final class RawKafkaCeiling {

  static final String MEASUREMENT =
      "a plain KafkaConsumer (byte[] key and value, assign() + seekToBeginning, read_committed,"
          + " client defaults otherwise: max.poll.records 500, fetch.max.bytes 50 MB) reads every"
          + " record of veh.events.raw, domain.events and weather.observations; in the copy pass a"
          + " KafkaProducer (acks=all, idempotent, linger.ms 5, batch.size 64 KB, lz4, the"
          + " simulator's settings) sends each one with the same key and value to a fresh output"
          + " topic of 4 partitions. One thread, no Beam, no Flink; each pass in a fresh JVM with a"
          + " fresh consumer group; copy and consume-only passes alternate which goes first. The"
          + " clock starts at the first poll (partitions assigned, producer metadata fetched) and"
          + " stops at the last record received (consume) or when producer.flush() returned, every"
          + " copy acknowledged (copy). Rate = input records / that time. The copies are checked:"
          + " every send acknowledged, the output topic as large as the input.";

  /** The output topic of a run's copy pass. */
  static String copyTopic(int run) {
    return "bench.ceiling.r" + run + ".copy";
  }

  /**
   * Measures on {@code kafka}, whose input topics hold {@code input}; returns the report section
   * (summary, runs, input, settings, when and where).
   */
  static Map<String, Object> measure(LocalKafka kafka, ThroughputInput.Written input, int runs,
      Path logDir, long timeoutSeconds, String runHeap, String command) throws Exception {
    String loadBefore = BenchSupport.loadAverage();
    Map<String, Integer> copyTopics = new LinkedHashMap<>();
    for (int run = 1; run <= runs; run++) {
      copyTopics.put(copyTopic(run), FleetTopics.LOCAL_PARTITIONS);
    }
    kafka.createTopics(copyTopics);
    BenchSupport.createOffsetsTopic(kafka.bootstrapServers(), ThroughputInput.TOPICS.get(0));
    List<Map<String, Object>> results = new ArrayList<>();
    Path workDir = Files.createTempDirectory("fleet-ceiling-runs");
    try {
      for (int run = 1; run <= runs; run++) {
        List<String> modes = run % 2 == 1 ? List.of("copy", "consume") : List.of("consume", "copy");
        for (String mode : modes) {
          Map<String, Object> result = new LinkedHashMap<>();
          result.put("run", run);
          result.put("mode", mode);
          Path log = logDir.resolve("ceiling-" + mode + "-r" + run + ".log");
          System.out.printf(Locale.ROOT, "ceiling %s run %d (log: %s)%n", mode, run, log);
          result.putAll(BenchSupport.runInFreshJvm(CeilingRun.class, List.of(
                  "--mode=" + mode,
                  "--bootstrap=" + kafka.bootstrapServers(),
                  "--input-topics=" + String.join(",", ThroughputInput.TOPICS),
                  "--output-topic=" + copyTopic(run),
                  "--group=bench-ceiling-" + mode + "-r" + run,
                  "--timeout-seconds=" + timeoutSeconds),
              runHeap, log, workDir.resolve(mode + "-r" + run + ".json"), timeoutSeconds + 60));
          result.put("log", log.toString());
          if (mode.equals("copy") && !result.containsKey("error")) {
            checkCopy(kafka, run, input, result);
          }
          results.add(result);
          System.out.println("ceiling run: " + result);
        }
      }
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }
    Map<String, Object> ceiling = new LinkedHashMap<>();
    ceiling.put("title", "Raw Kafka ceiling: KafkaConsumer -> KafkaProducer, no Beam, no Flink");
    ceiling.put("generatedAt", Instant.now().toString());
    ceiling.put("host", BenchSupport.hostName());
    ceiling.put("cores", Runtime.getRuntime().availableProcessors());
    ceiling.put("loadAverageBefore", loadBefore);
    ceiling.put("loadAverageAfter", BenchSupport.loadAverage());
    ceiling.put("command", command);
    ceiling.put("input", input.toMap());
    ceiling.put("measurement", MEASUREMENT);
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("producer", "acks=all, enable.idempotence=true, linger.ms=5, batch.size=65536,"
        + " compression.type=lz4");
    settings.put("consumer", "assign + seekToBeginning, isolation.level=read_committed, byte[]"
        + " deserializers, enable.auto.commit=false, other settings the client's defaults");
    settings.put("runHeap", runHeap);
    settings.putAll(BenchSupport.versions());
    ceiling.put("settings", settings);
    ceiling.put("summary", summary(results));
    ceiling.put("runs", results);
    return ceiling;
  }

  /** The copy topic must hold one record per input record (each send was acknowledged). */
  private static void checkCopy(LocalKafka kafka, int run, ThroughputInput.Written input,
      Map<String, Object> result) throws Exception {
    try (Admin admin = BenchSupport.admin(kafka.bootstrapServers())) {
      long copies = BenchSupport.topicSizes(admin, List.of(copyTopic(run))).get(copyTopic(run));
      result.put("outputRecords", copies);
      if (copies != input.messages()) {
        result.put("error", "the copy topic holds " + copies + " records, the input "
            + input.messages());
      }
    }
  }

  private static Map<String, Object> summary(List<Map<String, Object>> results) {
    Map<String, Object> summary = new LinkedHashMap<>();
    for (String mode : List.of("copy", "consume")) {
      List<Double> rates = new ArrayList<>();
      List<Double> megabytes = new ArrayList<>();
      int failed = 0;
      for (Map<String, Object> r : results) {
        if (!mode.equals(r.get("mode"))) {
          continue;
        }
        if (r.containsKey("error")) {
          failed++;
          continue;
        }
        rates.add(BenchSupport.decimal(r, "recordsPerSecond"));
        megabytes.add(BenchSupport.decimal(r, "megabytesPerSecond"));
      }
      Map<String, Object> perMode = new LinkedHashMap<>();
      perMode.put("runsOk", rates.size());
      perMode.put("runsFailed", failed);
      if (!rates.isEmpty()) {
        perMode.put("recordsPerSecond", Stats.of(rates).toMap());
        perMode.put("megabytesPerSecond", Stats.of(megabytes).toMap());
      }
      summary.put(mode, perMode);
    }
    return summary;
  }

  /** The copy rate's median, or null when no copy pass succeeded. */
  @SuppressWarnings("unchecked")
  static Double copyMedian(Map<String, Object> ceiling) {
    Map<String, Object> copy =
        (Map<String, Object>) ((Map<String, Object>) ceiling.get("summary")).get("copy");
    Map<String, Object> rate = (Map<String, Object>) copy.get("recordsPerSecond");
    return rate == null ? null : ((Number) rate.get("median")).doubleValue();
  }

  /** One figure of the ceiling, its cells formatted for Markdown. */
  record Row(String figure, String median, String min, String max, String megabytesPerSecond,
      String runs, String command) {}

  /** The copy and the consume-only figure. */
  @SuppressWarnings("unchecked")
  static List<Row> rows(Map<String, Object> ceiling) {
    List<Row> rows = new ArrayList<>();
    Map<String, Object> summary = (Map<String, Object>) ceiling.get("summary");
    String command = "`" + ceiling.get("command") + "`";
    for (String mode : List.of("copy", "consume")) {
      Map<String, Object> perMode = (Map<String, Object>) summary.get(mode);
      String figure = mode.equals("copy")
          ? "raw Kafka ceiling: consume + produce (acks=all, idempotent, lz4)"
          : "raw Kafka: consume only";
      Map<String, Object> rate = (Map<String, Object>) perMode.get("recordsPerSecond");
      if (rate == null) {
        rows.add(new Row(figure, "–", "–", "–", "–", runsCell(perMode), command));
        continue;
      }
      Map<String, Object> mb = (Map<String, Object>) perMode.get("megabytesPerSecond");
      rows.add(new Row(figure, count(rate.get("median")), count(rate.get("min")),
          count(rate.get("max")), String.format(Locale.ROOT, "%.1f", mb.get("median")),
          runsCell(perMode), command));
    }
    return rows;
  }

  private static String count(Object value) {
    return String.format(Locale.ROOT, "%,.0f", ((Number) value).doubleValue());
  }

  private static String runsCell(Map<String, Object> perMode) {
    int failed = ((Number) perMode.get("runsFailed")).intValue();
    return perMode.get("runsOk") + (failed == 0 ? "" : " (" + failed + " failed)");
  }

  /** Markdown: the passes one by one. */
  @SuppressWarnings("unchecked")
  static String markdownRuns(Map<String, Object> ceiling) {
    StringBuilder md = new StringBuilder();
    md.append("| pass | run | records | s | records/s | MB/s |\n|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) ceiling.get("runs")) {
      if (r.containsKey("error")) {
        md.append(String.format(Locale.ROOT, "| %s | %s | failed: %s | | | |%n",
            r.get("mode"), r.get("run"), r.get("error")));
        continue;
      }
      md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.2f | %,.0f | %.1f |%n",
          r.get("mode"), r.get("run"), BenchSupport.number(r, "records"),
          BenchSupport.decimal(r, "seconds"), BenchSupport.decimal(r, "recordsPerSecond"),
          BenchSupport.decimal(r, "megabytesPerSecond")));
    }
    return md.toString();
  }

  private RawKafkaCeiling() {}
}
