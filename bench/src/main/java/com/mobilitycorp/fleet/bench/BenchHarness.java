package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What both benchmark mains share: a real Kafka broker ({@link LocalKafka}) in a temporary
 * directory, the input written once ({@link BenchInput}), then every run of every query on every
 * engine in a JVM of its own ({@link QueryRun}), and the report (JSON and Markdown).
 *
 * <p>Options: {@code --events=300000} (about this many input messages per query), {@code
 * --runs=3}, {@code --queries=dedup,demand}, {@code --out=<file>.json} (the Markdown goes next to
 * it as {@code <file>.md}), {@code --state-backend=hashmap|rocksdb}, {@code
 * --checkpoint-interval-ms=2000}, {@code --flink-conf-dir=flink-conf/local}, {@code
 * --timeout-seconds=600} (per run), {@code --run-heap=2g}.
 */
final class BenchHarness {

  private final String title;
  private final String mainClass;
  private final List<Engine> engines;
  private final String[] args;
  private final long events;
  private final int runs;
  private final List<Query> queries;
  private final Path out;
  private final String stateBackend;
  private final long checkpointMillis;
  private final Path flinkConfDir;
  private final long timeoutSeconds;
  private final String runHeap;

  BenchHarness(String title, Class<?> main, List<Engine> engines, Path defaultOut, String[] args) {
    Map<String, String> options = BenchSupport.parseOptions(args, List.of("events", "runs",
        "queries", "out", "state-backend", "checkpoint-interval-ms", "flink-conf-dir",
        "timeout-seconds", "run-heap"));
    this.title = title;
    this.mainClass = main.getName();
    this.engines = engines;
    this.args = args;
    this.events = Long.parseLong(options.getOrDefault("events", "300000"));
    this.runs = Integer.parseInt(options.getOrDefault("runs", "3"));
    this.queries = new ArrayList<>();
    for (String id : options.getOrDefault("queries", "dedup,demand").split(",")) {
      queries.add(Query.of(id));
    }
    this.out = Path.of(options.getOrDefault("out", defaultOut.toString()));
    this.stateBackend = options.getOrDefault("state-backend", "hashmap");
    if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
      throw new IllegalArgumentException("--state-backend is hashmap or rocksdb: " + stateBackend);
    }
    this.checkpointMillis = Long.parseLong(options.getOrDefault("checkpoint-interval-ms", "2000"));
    this.flinkConfDir = Path.of(options.getOrDefault("flink-conf-dir", "flink-conf/local"));
    this.timeoutSeconds = Long.parseLong(options.getOrDefault("timeout-seconds", "600"));
    this.runHeap = options.getOrDefault("run-heap", "2g");
    if (!Files.isRegularFile(flinkConfDir.resolve("flink-conf.yaml"))) {
      throw new IllegalArgumentException(
          flinkConfDir.toAbsolutePath() + "/flink-conf.yaml not found: run from the repository's"
              + " root or pass --flink-conf-dir");
    }
  }

  void run() throws Exception {
    BenchSupport.jvmOpens(); // fail before the broker starts, not at the first run
    Path workDir = Files.createTempDirectory("fleet-sql-bench");
    String loadBefore = BenchSupport.loadAverage();
    Map<String, Object> report = new LinkedHashMap<>();
    List<Map<String, Object>> runResults = new ArrayList<>();
    BenchInput.Counts input;
    long setupStart = System.nanoTime();
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"), 0)) {
      System.out.printf(Locale.ROOT, "broker started in %.1f s%n",
          (System.nanoTime() - setupStart) / 1e9);
      List<String> outputTopics = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        for (Query query : queries) {
          for (Engine engine : engines) {
            outputTopics.addAll(RunTopics.of(engine, query, run).all());
          }
        }
      }
      long topicsStart = System.nanoTime();
      createTopics(kafka, outputTopics);
      System.out.printf(Locale.ROOT, "%d topics created in %.1f s%n",
          outputTopics.size() + FleetTopics.all().size() + 1,
          (System.nanoTime() - topicsStart) / 1e9);

      long fillStart = System.nanoTime();
      input = BenchInput.fill(kafka.bootstrapServers(), events);
      System.out.printf(Locale.ROOT,
          "input: %,d telemetry messages (%,d unique, %,d vehicles) + %,d booking messages"
              + " (%,d unique, %,d vehicles), simulated and written in %.1f s%n",
          input.telemetryMessages(), input.telemetryUnique(), input.telemetryVehicles(),
          input.bookingMessages(), input.bookingUnique(), input.bookingVehicles(),
          (System.nanoTime() - fillStart) / 1e9);

      for (int run = 1; run <= runs; run++) {
        for (Query query : queries) {
          for (Engine engine : BenchSupport.alternated(engines, run)) {
            Map<String, Object> result =
                runOnce(engine, query, run, kafka.bootstrapServers(), input, workDir);
            try (Admin admin = BenchSupport.admin(kafka.bootstrapServers())) {
              result.put("outputs",
                  BenchSupport.topicSizes(admin, RunTopics.of(engine, query, run).all()));
            }
            runResults.add(result);
            System.out.println("run: " + result);
          }
        }
      }
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }

    report.put("title", title);
    report.put("generatedAt", Instant.now().toString());
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("loadAverageBefore", loadBefore);
    report.put("loadAverageAfter", BenchSupport.loadAverage());
    report.put("command", command());
    report.put("input", inputReport(input));
    report.put("settings", settings());
    report.put("measurement", MEASUREMENT);
    Map<String, Object> summary = summary(runResults);
    report.put("summary", summary);
    report.put("runs", runResults);
    String markdown = markdown(report, summary, input);
    System.out.println(markdown);
    BenchSupport.writeReport(out, report, markdown);
  }

  private Map<String, Object> runOnce(Engine engine, Query query, int run, String bootstrap,
      BenchInput.Counts input, Path workDir) throws Exception {
    Path runDir = workDir.resolve(engine.id() + "-" + query.id() + "-r" + run);
    Files.createDirectories(runDir);
    Path log = out.resolveSibling("tmp").resolve(engine.id() + "-" + query.id() + "-r" + run + ".log");
    long expectedIds = query == Query.DEDUP ? input.telemetryUnique() : input.bookingUnique();
    System.out.printf(Locale.ROOT, "%s %s run %d (log: %s)%n", engine.id(), query.id(), run, log);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("engine", engine.id());
    result.put("query", query.id());
    result.put("run", run);
    result.putAll(BenchSupport.runInFreshJvm(QueryRun.class, List.of(
            "--engine=" + engine.id(),
            "--query=" + query.id(),
            "--run=" + run,
            "--bootstrap=" + bootstrap,
            "--expected-ids=" + expectedIds,
            "--work-dir=" + runDir,
            "--flink-conf-dir=" + flinkConfDir.toAbsolutePath(),
            "--state-backend=" + stateBackend,
            "--checkpoint-interval-ms=" + checkpointMillis,
            "--timeout-seconds=" + timeoutSeconds),
        runHeap, log, runDir.resolve("result.json"), timeoutSeconds + 120));
    long inputRecords = query == Query.DEDUP ? input.telemetryMessages() : input.bookingMessages();
    result.put("inputRecords", inputRecords);
    result.put("log", log.toString());
    if (!result.containsKey("error")) {
      long submitted = number(result, "submittedAtMillis");
      long first = number(result, "firstOutputAtMillis");
      long completed = number(result, "completedAtMillis");
      double seconds = (completed - submitted) / 1000.0;
      result.put("secondsToComplete", seconds);
      result.put("eventsPerSecond", inputRecords / seconds);
      result.put("secondsFirstOutputToComplete", (completed - first) / 1000.0);
      result.put("eventsPerSecondAfterFirstOutput", inputRecords / ((completed - first) / 1000.0));
    }
    return result;
  }

  private Map<String, Object> summary(List<Map<String, Object>> results) {
    Map<String, Object> summary = new LinkedHashMap<>();
    for (Query query : queries) {
      Map<String, Object> perQuery = new LinkedHashMap<>();
      Map<Engine, Stats> throughput = new HashMap<>();
      Map<Engine, Stats> afterFirstOutput = new HashMap<>();
      for (Engine engine : engines) {
        List<Double> rates = new ArrayList<>();
        List<Double> sustained = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        int failed = 0;
        for (Map<String, Object> r : results) {
          if (!r.get("engine").equals(engine.id()) || !r.get("query").equals(query.id())) {
            continue;
          }
          if (r.containsKey("error")) {
            failed++;
            continue;
          }
          rates.add(((Number) r.get("eventsPerSecond")).doubleValue());
          sustained.add(((Number) r.get("eventsPerSecondAfterFirstOutput")).doubleValue());
          seconds.add(((Number) r.get("secondsToComplete")).doubleValue());
        }
        Map<String, Object> perEngine = new LinkedHashMap<>();
        perEngine.put("runsOk", rates.size());
        perEngine.put("runsFailed", failed);
        if (!rates.isEmpty()) {
          Stats stats = Stats.of(rates);
          throughput.put(engine, stats);
          afterFirstOutput.put(engine, Stats.of(sustained));
          perEngine.put("eventsPerSecond", stats.toMap());
          perEngine.put("eventsPerSecondAfterFirstOutput", Stats.of(sustained).toMap());
          perEngine.put("secondsToComplete", Stats.of(seconds).toMap());
        }
        perQuery.put(engine.id(), perEngine);
      }
      if (throughput.containsKey(Engine.BEAM) && throughput.containsKey(Engine.NATIVE)) {
        perQuery.put("ratioBeamToNativeMedianThroughput",
            throughput.get(Engine.BEAM).median() / throughput.get(Engine.NATIVE).median());
        perQuery.put("ratioBeamToNativeMedianAfterFirstOutput",
            afterFirstOutput.get(Engine.BEAM).median()
                / afterFirstOutput.get(Engine.NATIVE).median());
      }
      summary.put(query.id(), perQuery);
    }
    return summary;
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> report, Map<String, Object> summary,
      BenchInput.Counts input) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "Measured %s on %d cores (load average before: %s, after: %s).%n%n",
        report.get("generatedAt"), (Integer) report.get("cores"),
        report.get("loadAverageBefore"), report.get("loadAverageAfter")));
    md.append(String.format(Locale.ROOT,
        "Input (2 h of simulated fleet from %s, 60 locations): %,d telemetry messages (%,d"
            + " unique ids; %,d vehicles, seed 7) and %,d booking messages (%,d unique; %,d unique"
            + " booking_created in %,d location windows; from a second fleet of %,d vehicles with"
            + " sparse telemetry, seed 8, so that the demand query has as much input as the"
            + " dedup). Simulator defaults for duplicates (2 %% telemetry, 0.5 %% bookings),"
            + " disorder and late events. Malformed records are excluded (malformedRate 0): the"
            + " native queries have no validator or dead-letter path.%n%n",
        BenchInput.START, input.telemetryMessages(), input.telemetryUnique(),
        input.telemetryVehicles(), input.bookingMessages(), input.bookingUnique(),
        input.bookingCreatedUnique(), input.demandWindows(), input.bookingVehicles()));
    md.append("| query | engine | input records | runs ok | events/s median | min | max |"
        + " s to complete (median) | events/s after first output (median) |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Query query : queries) {
      Map<String, Object> perQuery = (Map<String, Object>) summary.get(query.id());
      long inputRecords = query == Query.DEDUP ? input.telemetryMessages() : input.bookingMessages();
      for (Engine engine : engines) {
        Map<String, Object> e = (Map<String, Object>) perQuery.get(engine.id());
        Map<String, Object> rate = (Map<String, Object>) e.get("eventsPerSecond");
        if (rate == null) {
          md.append(String.format(Locale.ROOT, "| %s | %s | %,d | 0 (%d failed) | – | – | – | – | – |%n",
              query.id(), engine.id(), inputRecords, (Integer) e.get("runsFailed")));
          continue;
        }
        Map<String, Object> seconds = (Map<String, Object>) e.get("secondsToComplete");
        Map<String, Object> sustained = (Map<String, Object>) e.get("eventsPerSecondAfterFirstOutput");
        md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %d | %,.0f | %,.0f | %,.0f | %.1f | %,.0f |%n",
            query.id(), engine.id(), inputRecords, (Integer) e.get("runsOk"),
            rate.get("median"), rate.get("min"), rate.get("max"), seconds.get("median"),
            sustained.get("median")));
      }
    }
    boolean anyRatio = false;
    for (Query query : queries) {
      Object ratio = ((Map<String, Object>) summary.get(query.id()))
          .get("ratioBeamToNativeMedianThroughput");
      if (ratio != null) {
        if (!anyRatio) {
          md.append("\nBeam / native throughput (medians): ");
          anyRatio = true;
        } else {
          md.append(", ");
        }
        Object afterFirst = ((Map<String, Object>) summary.get(query.id()))
            .get("ratioBeamToNativeMedianAfterFirstOutput");
        md.append(String.format(Locale.ROOT,
            "%s %.2f (native %.1fx Beam; after first output %.2f)", query.id(),
            (Double) ratio, 1 / (Double) ratio, (Double) afterFirst));
      }
    }
    if (anyRatio) {
      md.append(".\n");
    }
    md.append("\nRuns:\n\n| query | engine | run | s to complete | events/s | watched output:"
        + " records / distinct ids / expected | other outputs |\n|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) report.get("runs")) {
      if (r.containsKey("error")) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | failed: %s | | | |%n",
            r.get("query"), r.get("engine"), r.get("run"), r.get("error")));
        continue;
      }
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %,.0f | %,d / %,d / %,d | %s |%n",
          r.get("query"), r.get("engine"), r.get("run"),
          ((Number) r.get("secondsToComplete")).doubleValue(),
          ((Number) r.get("eventsPerSecond")).doubleValue(),
          number(r, "watchedRecords"), number(r, "distinctIds"), number(r, "expectedIds"),
          otherOutputs(r)));
    }
    md.append("\nHow it was measured: ").append(MEASUREMENT).append("\n\nSettings: ")
        .append(settings()).append("\n\nReproduce: `").append(command()).append("`\n");
    return md.toString();
  }

  /** Records on the run's outputs other than the watched one, e.g. windows=482. */
  @SuppressWarnings("unchecked")
  private static String otherOutputs(Map<String, Object> r) {
    List<String> parts = new ArrayList<>();
    Map<String, Object> outputs = (Map<String, Object>) r.get("outputs");
    if (outputs != null) {
      outputs.forEach((topic, count) -> {
        if (!topic.equals(r.get("watchedTopic")) && ((Number) count).longValue() > 0) {
          parts.add(String.format(Locale.ROOT, "%s=%,d",
              topic.substring(topic.lastIndexOf('.') + 1), ((Number) count).longValue()));
        }
      });
    }
    return parts.isEmpty() ? "–" : String.join(", ", parts);
  }

  static final String MEASUREMENT =
      "each run is a fresh JVM that starts one job on embedded Flink (parallelism 2) over the"
          + " whole input, already in Kafka. The clock starts right before the job is handed to"
          + " Flink (Beam: Pipeline.run(), including translation; native: StatementSet.execute(),"
          + " including planning), so the mini cluster's start counts for both. It stops at the"
          + " broker's append time (LogAppendTime) of the last first copy of an input event_id on"
          + " the de-duplicated output topic, i.e. when the job has consumed every input record"
          + " and published every unique event; a consumer in the run's JVM follows that topic."
          + " Throughput = input records / that time; \"after first output\" divides by the time"
          + " from the first output record instead (start-up excluded; a slight overestimate,"
          + " since some input was consumed before the first output). The Beam job"
          + " (FleetStreamProcessor, every other stage off) reads the unused input from an empty"
          + " topic and is cancelled once complete; the native job reads with scan.bounded.mode ="
          + " latest-offset. Both write at-least-once (Beam: --exactlyOnceOutputs= ; native:"
          + " sink.delivery-guarantee = at-least-once) and checkpoint on the same interval with the"
          + " same flink-conf. The demand query's Beam job also runs DetectDemandSpikes (baselines,"
          + " spikes, alerts, a 5-minute allowed lateness); the native query only counts. The"
          + " native dedup forgets ids after 10 min of processing time (table.exec.state.ttl),"
          + " Beam after 10 min of event time.";

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("parallelism", 2);
    settings.put("stateBackend", stateBackend);
    settings.put("checkpointIntervalMs", checkpointMillis);
    settings.put("flinkConf", flinkConfDir.resolve("flink-conf.yaml").toString());
    settings.put("runHeap", runHeap);
    settings.putAll(BenchSupport.versions());
    settings.put("topics", "4 partitions each, as FleetTopics.all()");
    return settings;
  }

  private static Map<String, Object> inputReport(BenchInput.Counts input) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("simulated", "2 h from " + BenchInput.START + ", 60 locations, 60 booking requests"
        + " per vehicle per day, simulator's default duplicates/disorder/late, malformedRate 0"
        + " (malformed records excluded); telemetry from a fleet with seed 7, booking events"
        + " from a fleet with seed 8 and sparse telemetry (trip 10 min, parked 1 h)");
    m.put("telemetryVehicles", input.telemetryVehicles());
    m.put("bookingVehicles", input.bookingVehicles());
    m.put("telemetryMessages", input.telemetryMessages());
    m.put("telemetryUniqueIds", input.telemetryUnique());
    m.put("bookingMessages", input.bookingMessages());
    m.put("bookingUniqueIds", input.bookingUnique());
    m.put("bookingCreatedUnique", input.bookingCreatedUnique());
    m.put("demandLocationWindows", input.demandWindows());
    return m;
  }

  private String command() {
    return "java $(JVM_OPENS) -cp \"bench/target/classes:$(cat bench/target/classpath.txt)\" "
        + mainClass + (args.length == 0 ? "" : " " + String.join(" ", args));
  }

  /** Every topic with 4 partitions; the runs' outputs stamped by the broker (LogAppendTime). */
  private static void createTopics(LocalKafka kafka, List<String> outputTopics) throws Exception {
    Map<String, Integer> topics = new LinkedHashMap<>(FleetTopics.all());
    topics.put(RunTopics.EMPTY_INPUT, FleetTopics.LOCAL_PARTITIONS);
    outputTopics.forEach(t -> topics.put(t, FleetTopics.LOCAL_PARTITIONS));
    kafka.createTopics(topics);
    try (Admin admin = BenchSupport.admin(kafka.bootstrapServers())) {
      Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
      for (String topic : outputTopics) {
        changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
            new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
            AlterConfigOp.OpType.SET)));
      }
      admin.incrementalAlterConfigs(changes).all().get(60, TimeUnit.SECONDS);
      // The broker applies topic configs asynchronously: wait until it reports them.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        Map<ConfigResource, Config> configs =
            admin.describeConfigs(changes.keySet()).all().get(60, TimeUnit.SECONDS);
        boolean applied = configs.values().stream().allMatch(c ->
            "LogAppendTime".equals(c.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value()));
        if (applied) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("LogAppendTime not applied to the output topics");
        }
        Thread.sleep(100); // polling the broker's state, not synchronising on time
      }
    }
  }

  private static long number(Map<String, Object> m, String key) {
    return BenchSupport.number(m, key);
  }
}
