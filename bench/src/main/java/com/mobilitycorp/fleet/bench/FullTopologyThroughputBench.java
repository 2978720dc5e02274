package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * Sustained throughput of the whole topology: FleetStreamProcessor with every use case on (dedup,
 * inventory, available_vehicles in PostgreSQL, enrichment from PostgreSQL's reference data, the
 * three vehicle alerts, the weather join, demand spikes, utilization) over a pre-filled backlog
 * ({@link ThroughputInput}) on a local broker, each run in a fresh JVM ({@link TopologyRun}):
 *
 * <ul>
 *   <li>{@code flink}: FlinkRunner on embedded Flink ({@code [local]}), parallelism 2, RocksDB
 *       state (or heap), checkpoints every 2 s, the default exactly-once outputs with a fresh sink
 *       group per run, {@code flink-conf/local};
 *   <li>{@code direct}: the DirectRunner for reference, every output at-least-once (no Flink
 *       checkpoints to commit transactions with), measured for a capped time.
 * </ul>
 *
 * <p>The rate is read off the job's committed consumer-group offsets between 10 % and 90 % of the
 * input, so start-up is left out; each figure is given as median/min/max of the runs and as a
 * fraction of the raw Kafka ceiling ({@link RawKafkaCeiling}) of the same input, read from {@code
 * --ceiling} when it was measured on this machine within {@code --ceiling-max-age-hours}, else
 * measured first on this broker.
 *
 * <p>Each run also reads its dead-letter topic: {@code deadLettersByReason} (late events per stage)
 * and {@code lateDeadLettersByEventTime} (late events per stage and 10-minute slot of their event
 * time: spread over the input, or a stretch of it). The input carries its simulated delivery times
 * as Kafka timestamps ({@link ThroughputInput}), so the job judges its event times as it would
 * have live.
 *
 * <p>Options: {@code --events=300000}, {@code --runs=3}, {@code --runner=flink|direct|both}, {@code
 * --state-backend=rocksdb|hashmap}, {@code --checkpoint-interval-ms=2000}, {@code
 * --out=bench/results/throughput.json} (+ .md), {@code
 * --ceiling=bench/results/raw-kafka-ceiling.json}, {@code --ceiling-max-age-hours=24}, {@code
 * --flink-conf-dir=flink-conf/local}, {@code --timeout-seconds=1800} (per run), {@code
 * --run-heap=2g}, {@code --direct-warmup-seconds=30}, {@code --direct-measure-seconds=60}, {@code
 * --job-options="--weatherJoinEnabled=false ..."} (space-separated, added to every run's job
 * options, e.g. to switch a use case off or try a runner option).
 */
public final class FullTopologyThroughputBench {

  /** The goals for the job on Flink. */
  static final double GOAL_EVENTS_PER_SECOND = 50_000;

  static final double GOAL_FRACTION_OF_CEILING = 0.25;

  private static final List<String> KNOWN = List.of("events", "runs", "runner", "state-backend",
      "checkpoint-interval-ms", "out", "ceiling", "ceiling-max-age-hours", "flink-conf-dir",
      "timeout-seconds", "run-heap", "direct-warmup-seconds", "direct-measure-seconds",
      "job-options");

  private final String[] args;
  private final long events;
  private final int runs;
  private final List<String> runners;
  private final String stateBackend;
  private final long checkpointMillis;
  private final Path out;
  private final Path ceilingFile;
  private final double ceilingMaxAgeHours;
  private final Path flinkConfDir;
  private final long timeoutSeconds;
  private final String runHeap;
  private final long directWarmupSeconds;
  private final long directMeasureSeconds;
  private final String jobOptions;

  FullTopologyThroughputBench(String[] args) {
    Map<String, String> options = BenchSupport.parseOptions(args, KNOWN);
    this.args = args;
    this.events = Long.parseLong(options.getOrDefault("events", "300000"));
    this.runs = Integer.parseInt(options.getOrDefault("runs", "3"));
    String runner = options.getOrDefault("runner", "both");
    this.runners = switch (runner) {
      case "flink" -> List.of("flink");
      case "direct" -> List.of("direct");
      case "both" -> List.of("flink", "direct");
      default -> throw new IllegalArgumentException("--runner is flink, direct or both: " + runner);
    };
    this.stateBackend = options.getOrDefault("state-backend", "rocksdb");
    if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
      throw new IllegalArgumentException("--state-backend is hashmap or rocksdb: " + stateBackend);
    }
    this.checkpointMillis = Long.parseLong(options.getOrDefault("checkpoint-interval-ms", "2000"));
    this.out = Path.of(options.getOrDefault("out", "bench/results/throughput.json"));
    this.ceilingFile = Path.of(
        options.getOrDefault("ceiling", RawKafkaCeilingBench.DEFAULT_OUT.toString()));
    this.ceilingMaxAgeHours =
        Double.parseDouble(options.getOrDefault("ceiling-max-age-hours", "24"));
    this.flinkConfDir = Path.of(options.getOrDefault("flink-conf-dir", "flink-conf/local"));
    this.timeoutSeconds = Long.parseLong(options.getOrDefault("timeout-seconds", "1800"));
    this.runHeap = options.getOrDefault("run-heap", "2g");
    this.directWarmupSeconds =
        Long.parseLong(options.getOrDefault("direct-warmup-seconds", "30"));
    this.directMeasureSeconds =
        Long.parseLong(options.getOrDefault("direct-measure-seconds", "60"));
    this.jobOptions = options.getOrDefault("job-options", "").trim();
    if (!Files.isRegularFile(flinkConfDir.resolve("flink-conf.yaml"))) {
      throw new IllegalArgumentException(
          flinkConfDir.toAbsolutePath() + "/flink-conf.yaml not found: run from the repository's"
              + " root or pass --flink-conf-dir");
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].startsWith("--render-from=")) {
      rerender(Path.of(args[0].substring("--render-from=".length())));
      return;
    }
    new FullTopologyThroughputBench(args).run();
  }

  /**
   * Writes the Markdown of an earlier report again from its JSON, with this renderer and the
   * report's own command line (no run, nothing measured again): for a report written before a
   * change to the Markdown.
   */
  @SuppressWarnings("unchecked")
  static void rerender(Path json) throws Exception {
    Map<String, Object> report = BenchSupport.readJson(json);
    String[] original;
    if (report.get("args") instanceof List<?> list) {
      original = list.stream().map(String::valueOf).toArray(String[]::new);
    } else { // a report from before "args" was kept: its command's words (none had a space)
      String[] words = ((String) report.get("command")).split(" ");
      int at = java.util.Arrays.asList(words).indexOf(FullTopologyThroughputBench.class.getName());
      original = java.util.Arrays.copyOfRange(words, at + 1, words.length);
    }
    FullTopologyThroughputBench bench = new FullTopologyThroughputBench(original);
    String markdown = bench.markdown(report, (Map<String, Object>) report.get("summary"),
        (Map<String, Object>) report.get("ceiling"));
    Path md = BenchSupport.markdownPath(json);
    Files.writeString(md, markdown, java.nio.charset.StandardCharsets.UTF_8);
    System.out.println("wrote " + md + " from " + json);
  }

  void run() throws Exception {
    BenchSupport.jvmOpens(); // fail before the broker starts, not at the first run
    String loadBefore = BenchSupport.loadAverage();
    Path workDir = Files.createTempDirectory("fleet-throughput-bench");
    Path logDir = out.resolveSibling("tmp");
    List<Map<String, Object>> results = new ArrayList<>();
    ThroughputInput.Written input;
    Map<String, Object> ceiling;
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
        LocalPostgres postgres = LocalPostgres.start(workDir.resolve("postgres"), 0, true)) {
      Map<String, Integer> topics = new LinkedHashMap<>(FleetTopics.all());
      for (int run = 1; run <= runs; run++) {
        for (String runner : runners) {
          TopologyRun.outputTopics(topicPrefix(runner, run)).values()
              .forEach(t -> topics.put(t, FleetTopics.LOCAL_PARTITIONS));
        }
      }
      kafka.createTopics(topics);
      long fillStart = System.nanoTime();
      input = ThroughputInput.fill(kafka.bootstrapServers(), events);
      System.out.printf(Locale.ROOT, "input: %,d messages %s from %,d vehicles, written in %.1f s%n",
          input.messages(), input.messagesPerTopic(), input.vehicles(),
          (System.nanoTime() - fillStart) / 1e9);
      int referenceRows = ReferenceDataWriter.apply(
          postgres.jdbcUrl(), postgres.user(), postgres.password(), input.simulator());
      System.out.println("reference data: " + referenceRows + " rows (locations, vehicles)");
      BenchSupport.createOffsetsTopic(kafka.bootstrapServers(), ThroughputInput.TOPICS.get(0));

      ceiling = readCeiling(input);
      if (ceiling == null) {
        System.out.println("no ceiling of this input measured here recently (" + ceilingFile
            + "): measuring it first, on this broker");
        ceiling = RawKafkaCeiling.measure(kafka, input, runs, logDir, 600, "1g",
            BenchSupport.command(RawKafkaCeilingBench.class,
                new String[] {"--events=" + events, "--runs=" + runs}));
        ceiling.put("source", "measured in this invocation, on the same broker, before the runs");
      }

      for (int run = 1; run <= runs; run++) {
        for (String runner : BenchSupport.alternated(runners, run)) {
          results.add(runOnce(runner, run, kafka, postgres, input, workDir, logDir));
        }
      }
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("title", "Full topology throughput (every use case on) vs the raw Kafka ceiling");
    report.put("generatedAt", Instant.now().toString());
    report.put("host", BenchSupport.hostName());
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("loadAverageBefore", loadBefore);
    report.put("loadAverageAfter", BenchSupport.loadAverage());
    report.put("command", BenchSupport.command(FullTopologyThroughputBench.class, args));
    report.put("args", List.of(args));
    report.put("input", input.toMap());
    report.put("settings", settings());
    report.put("measurement", MEASUREMENT);
    report.put("goals", Map.of("eventsPerSecond", GOAL_EVENTS_PER_SECOND,
        "fractionOfRawKafkaCeiling", GOAL_FRACTION_OF_CEILING));
    Map<String, Object> summary = summary(results, RawKafkaCeiling.copyMedian(ceiling));
    report.put("summary", summary);
    report.put("ceiling", ceiling);
    report.put("runs", results);
    String markdown = markdown(report, summary, ceiling);
    System.out.println(markdown);
    BenchSupport.writeReport(out, report, markdown);
  }

  /** Whether --job-options switches every transactional output off (the later option wins). */
  private boolean atLeastOnceOnly() {
    String last = null;
    for (String option : jobOptions.split("\\s+")) {
      if (option.startsWith("--exactlyOnceOutputs=")) {
        last = option;
      }
    }
    return "--exactlyOnceOutputs=".equals(last);
  }

  private static String topicPrefix(String runner, int run) {
    return "bench.topology." + runner + ".r" + run + ".";
  }

  private Map<String, Object> runOnce(String runner, int run, LocalKafka kafka,
      LocalPostgres postgres, ThroughputInput.Written input, Path workDir, Path logDir)
      throws Exception {
    // Each run upserts into empty tables: left over rows would turn its writes into no-ops.
    resetTables(postgres);
    Path runDir = workDir.resolve(runner + "-r" + run);
    Files.createDirectories(runDir);
    Path log = logDir.resolve("topology-" + runner + "-r" + run + ".log");
    String group = "bench-topology-" + runner + "-r" + run;
    boolean flink = runner.equals("flink");
    System.out.printf(Locale.ROOT, "%s run %d (log: %s)%n", runner, run, log);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("runner", runner);
    result.put("run", run);
    List<String> args = TopologyRun.runArgs(runner, kafka, postgres, group,
        topicPrefix(runner, run), runDir, flinkConfDir, stateBackend, checkpointMillis,
        input.messages(), timeoutSeconds);
    args.addAll(List.of(
        "--max-warmup-seconds=" + (flink ? 0 : directWarmupSeconds),
        "--max-measure-seconds=" + (flink ? 0 : directMeasureSeconds),
        "--until-all-committed=" + flink));
    if (!jobOptions.isEmpty()) {
      args.add("--job-options=" + jobOptions);
    }
    result.putAll(BenchSupport.runInFreshJvm(TopologyRun.class,
        // The completed checkpoints' durations are read from the run's log (Flink only).
        List.of(CheckpointLog.LOG_AT_INFO), args,
        runHeap, log, runDir.resolve("result.json"), timeoutSeconds + 180));
    result.put("log", log.toString());
    if (flink) {
      result.putAll(StateScaleBench.checkpoints(CheckpointLog.read(log)));
    }
    try (Admin admin = BenchSupport.admin(kafka.bootstrapServers())) {
      // End offsets: on the exactly-once topics they include the transaction markers.
      result.put("outputEndOffsets", BenchSupport.topicSizes(
          admin, TopologyRun.outputTopics(topicPrefix(runner, run)).values()));
    }
    DeadLetterReasons.Counts deadLetters = DeadLetterReasons.count(kafka.bootstrapServers(),
        TopologyRun.outputTopics(topicPrefix(runner, run)).get("deadLetterTopic"));
    result.put("deadLettersByReason", deadLetters.byReason());
    result.put("lateDeadLettersByEventTime", deadLetters.lateByEventTime());
    result.put("tableRows", tableRows(postgres));
    System.out.println("run: " + shortened(result));
    return result;
  }

  private static Map<String, Object> shortened(Map<String, Object> result) {
    Map<String, Object> m = new LinkedHashMap<>(result);
    m.remove("steps [ms since submission, committed]");
    m.remove("jobOptions");
    return m;
  }

  static final List<String> TABLES = List.of("available_vehicles",
      "vehicle_utilization_hourly");

  static void resetTables(LocalPostgres postgres) throws Exception {
    try (Connection c = DriverManager.getConnection(
            postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + String.join(", ", TABLES));
    }
  }

  static Map<String, Object> tableRows(LocalPostgres postgres) throws Exception {
    Map<String, Object> rows = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(
            postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      for (String table : TABLES) {
        try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
          r.next();
          rows.put(table, r.getLong(1));
        }
      }
    }
    return rows;
  }

  /**
   * The ceiling from {@code --ceiling} if it is of this very input (same records per topic),
   * measured on this machine and recently enough; null otherwise.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> readCeiling(ThroughputInput.Written input) {
    if (!Files.isRegularFile(ceilingFile)) {
      return null;
    }
    try {
      Map<String, Object> ceiling = BenchSupport.readJson(ceilingFile);
      Map<String, Object> theirs = (Map<String, Object>) ceiling.get("input");
      Map<String, Object> perTopic = (Map<String, Object>) theirs.get("messagesPerTopic");
      boolean sameInput = perTopic != null && input.messagesPerTopic().entrySet().stream()
          .allMatch(e -> perTopic.get(e.getKey()) instanceof Number n
              && n.longValue() == e.getValue());
      double ageHours = (Instant.now().toEpochMilli()
          - Instant.parse((String) ceiling.get("generatedAt")).toEpochMilli()) / 3.6e6;
      boolean sameHost = BenchSupport.hostName().equals(ceiling.get("host"));
      if (!sameInput || !sameHost || ageHours > ceilingMaxAgeHours
          || RawKafkaCeiling.copyMedian(ceiling) == null) {
        System.out.printf(Locale.ROOT, "%s not used: same input %s, same host %s, %.1f h old,"
                + " copy rate %s%n", ceilingFile, sameInput, sameHost, ageHours,
            RawKafkaCeiling.copyMedian(ceiling));
        return null;
      }
      ceiling.put("source", "read from " + ceilingFile + " (same input, same host, "
          + String.format(Locale.ROOT, "%.1f", ageHours) + " h old; its own broker)");
      return ceiling;
    } catch (Exception e) {
      System.out.println(ceilingFile + " not used: " + e);
      return null;
    }
  }

  static final String MEASUREMENT =
      "the input is written to veh.events.raw, domain.events and weather.observations before any"
          + " job starts and the reference data to PostgreSQL; each run is a fresh JVM that"
          + " submits the whole topology (FleetStreamProcessor.build, every use case on) with a"
          + " fresh consumer group and output topics of its own, after emptying available_vehicles"
          + " and vehicle_utilization_hourly. Every 250 ms it reads the group's committed offsets"
          + " (Admin.listConsumerGroupOffsets), summed over the input's partitions. KafkaIO commits"
          + " them when the runner finalizes a checkpoint: on Flink when a checkpoint completes, so"
          + " with aligned checkpoints every record below them has gone through the whole"
          + " topology. Sustained events/s = committed records between the first observation at"
          + " or above 10 % of the input and the first at or above 90 %, divided by the time"
          + " between them: JVM, Flink and job start-up and the draining tail are left out."
          + " Offsets advance once per checkpoint, so each end of the window is exact to a"
          + " checkpoint step, seen within 250 ms. Wall time = submission (Pipeline.run(), the mini"
          + " cluster's start included) to every input record committed. The DirectRunner commits"
          + " when it finalizes a source's checkpoint, after its bundle, not after the whole"
          + " topology; its window opens at 10 % or after the warm-up cap, and closes at 90 % or"
          + " after the measure cap, whichever comes first; its wall time is not measured (it"
          + " would take the whole input). The ratio divides by the median of the raw Kafka"
          + " ceiling's copy rate (consume + produce) on the same input. CPU: the run's JVM (the"
          + " job's, embedded Flink in it) reads its process CPU time at submission and at the"
          + " end of the measurement, and each live thread's CPU time at the end, summed per"
          + " Flink task (JobCpu). Table rows are counted when the job is cancelled, right after"
          + " the measurement: the newest hours' utilization rows wait for a watermark a backlog"
          + " never brings, so the count is not a completeness check.";

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("runners", runners);
    settings.put("flink", "FlinkRunner --flinkMaster=[local] --parallelism=2, state backend "
        + stateBackend + ", checkpoints every " + checkpointMillis + " ms, flink conf "
        + flinkConfDir.resolve("flink-conf.yaml") + (atLeastOnceOnly()
            ? ", every output at-least-once (--exactlyOnceOutputs= in --job-options)"
            : ", exactly-once outputs: the default --exactlyOnceOutputs (alerts, demandWindows,"
                + " locationMetrics), fresh --sinkGroupId per run"));
    settings.put("direct", "DirectRunner (its defaults: parallelism max(cores, 3), immutability"
        + " and encodability checks on), --exactlyOnceOutputs= (no Flink checkpoints to commit"
        + " transactions with), warm-up cap " + directWarmupSeconds + " s, measure cap "
        + directMeasureSeconds + " s");
    settings.put("useCases", "all on (FleetPipelineOptions defaults): dedup, inventory,"
        + " available_vehicles upsert, enrichment from PostgreSQL reference data, LOW_BATTERY,"
        + " GEOFENCE_VIOLATION, BATTERY_DRAIN, weather join, demand spikes, utilization (hourly"
        + " to PostgreSQL, per-minute location metrics)");
    settings.put("jobOptionsAdded", jobOptions.isEmpty() ? "none" : jobOptions);
    settings.put("runHeap", runHeap);
    settings.put("topics", "4 partitions each");
    settings.putAll(BenchSupport.versions());
    return settings;
  }

  private Map<String, Object> summary(List<Map<String, Object>> results, Double ceilingMedian) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("rawKafkaCeilingCopyMedian", ceilingMedian);
    for (String runner : runners) {
      List<Double> rates = new ArrayList<>();
      List<Double> wall = new ArrayList<>();
      int failed = 0;
      for (Map<String, Object> r : results) {
        if (!runner.equals(r.get("runner"))) {
          continue;
        }
        if (r.containsKey("error")) {
          failed++;
          continue;
        }
        rates.add(BenchSupport.decimal(r, "eventsPerSecond"));
        if (r.get("wallSecondsToAllCommitted") instanceof Number n) {
          wall.add(n.doubleValue());
        }
      }
      Map<String, Object> perRunner = new LinkedHashMap<>();
      perRunner.put("runsOk", rates.size());
      perRunner.put("runsFailed", failed);
      if (!rates.isEmpty()) {
        Stats stats = Stats.of(rates);
        perRunner.put("eventsPerSecond", stats.toMap());
        if (!wall.isEmpty()) {
          perRunner.put("wallSecondsToAllCommitted", Stats.of(wall).toMap());
        }
        if (ceilingMedian != null) {
          Map<String, Object> ratio = new LinkedHashMap<>();
          ratio.put("median", stats.median() / ceilingMedian);
          ratio.put("min", stats.min() / ceilingMedian);
          ratio.put("max", stats.max() / ceilingMedian);
          perRunner.put("fractionOfRawKafkaCeiling", ratio);
        }
        if (runner.equals("flink")) {
          perRunner.put("goalEventsPerSecondMet", stats.median() >= GOAL_EVENTS_PER_SECOND);
          if (ceilingMedian != null) {
            perRunner.put("goalFractionOfCeilingMet",
                stats.median() / ceilingMedian >= GOAL_FRACTION_OF_CEILING);
          }
        }
      }
      summary.put(runner, perRunner);
    }
    return summary;
  }

  /** The command that reproduces one runner's figure. */
  private String commandFor(String runner) {
    List<String> runnerArgs = new ArrayList<>();
    for (String arg : args) {
      if (!arg.startsWith("--runner=")) {
        runnerArgs.add(arg);
      }
    }
    runnerArgs.add("--runner=" + runner);
    return BenchSupport.command(FullTopologyThroughputBench.class,
        runnerArgs.toArray(new String[0]));
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> report, Map<String, Object> summary,
      Map<String, Object> ceiling) {
    Map<String, Object> input = (Map<String, Object>) report.get("input");
    StringBuilder md = new StringBuilder();
    md.append("# ").append(report.get("title")).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "Measured %s on %s, %s cores (load average before: %s, after: %s).%n%n",
        report.get("generatedAt"), report.get("host"), report.get("cores"),
        report.get("loadAverageBefore"), report.get("loadAverageAfter")));
    md.append(String.format(Locale.ROOT, "Input: %,d messages (%s), %.1f MB, from %s vehicles: %s."
            + " Reference data in PostgreSQL.%n%n",
        ((Number) input.get("messages")).longValue(), input.get("messagesPerTopic"),
        ((Number) input.get("bytes")).longValue() / 1e6, input.get("vehicles"),
        input.get("simulated")));
    md.append("Raw Kafka ceiling: ").append(ceiling.get("source")).append(String.format(
        Locale.ROOT, ", measured %s (load average %s).%n%n", ceiling.get("generatedAt"),
        ceiling.get("loadAverageBefore")));

    md.append("| figure | events/s median | min | max | fraction of the ceiling: median (min–max)"
        + " | wall s to all committed (median) | runs | reproduce |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (RawKafkaCeiling.Row row : RawKafkaCeiling.rows(ceiling)) {
      // The copy rate is the ceiling itself; consuming alone is shown for scale.
      String fraction = row.figure().startsWith("raw Kafka ceiling") ? "1 (by definition)" : "–";
      md.append(String.join(" | ", "| " + row.figure(), row.median(), row.min(), row.max(),
          fraction, "–", row.runs(), row.command() + " |\n"));
    }
    for (String runner : runners) {
      Map<String, Object> r = (Map<String, Object>) summary.get(runner);
      String figure = runner.equals("flink")
          ? "full topology, FlinkRunner [local], parallelism 2, " + stateBackend + ", checkpoints "
              + checkpointMillis + " ms, " + (atLeastOnceOnly()
                  ? "every output at-least-once (--exactlyOnceOutputs= in --job-options)"
                  : "exactly-once alerts/demand windows/location metrics")
          : "full topology, DirectRunner (reference; at-least-once outputs, --exactlyOnceOutputs=;"
              + " " + directMeasureSeconds + " s cap)";
      Map<String, Object> rate = (Map<String, Object>) r.get("eventsPerSecond");
      String runsCell = r.get("runsOk") + (((Number) r.get("runsFailed")).intValue() == 0 ? ""
          : " (" + r.get("runsFailed") + " failed)");
      if (rate == null) {
        md.append(String.format(Locale.ROOT, "| %s | – | – | – | – | – | %s | `%s` |%n", figure,
            runsCell, commandFor(runner)));
        continue;
      }
      Map<String, Object> ratio = (Map<String, Object>) r.get("fractionOfRawKafkaCeiling");
      Map<String, Object> wall = (Map<String, Object>) r.get("wallSecondsToAllCommitted");
      md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %s | %s | %s | `%s` |%n",
          figure, rate.get("median"), rate.get("min"), rate.get("max"),
          ratio == null ? "–" : String.format(Locale.ROOT, "%.3f (%.3f–%.3f)", ratio.get("median"),
              ratio.get("min"), ratio.get("max")),
          wall == null ? "– (capped)" : String.format(Locale.ROOT, "%.1f", wall.get("median")),
          runsCell, commandFor(runner)));
    }

    md.append("\nGoals (issue \"Benchmarks\", for the job on Flink): ");
    Map<String, Object> flink = (Map<String, Object>) summary.get("flink");
    if (flink == null || flink.get("eventsPerSecond") == null) {
      md.append("not assessed: no successful FlinkRunner run.\n");
    } else {
      double median = ((Number) ((Map<String, Object>) flink.get("eventsPerSecond"))
          .get("median")).doubleValue();
      md.append(String.format(Locale.ROOT, "sustained >= %,.0f events/s: %,.0f, **%s**; ",
          GOAL_EVENTS_PER_SECOND, median,
          Boolean.TRUE.equals(flink.get("goalEventsPerSecondMet")) ? "met" : "not met"));
      Object fractionMet = flink.get("goalFractionOfCeilingMet");
      if (fractionMet == null) {
        md.append("fraction of the ceiling: not assessed (no ceiling).\n");
      } else {
        md.append(String.format(Locale.ROOT, ">= %.2f of the raw Kafka ceiling: %.3f, **%s**.%n",
            GOAL_FRACTION_OF_CEILING,
            ((Number) ((Map<String, Object>) flink.get("fractionOfRawKafkaCeiling"))
                .get("median")).doubleValue(),
            Boolean.TRUE.equals(fractionMet) ? "met" : "not met"));
      }
      md.append(String.format(Locale.ROOT, "Measured on %s cores with the broker, PostgreSQL and"
          + " the job sharing them (load average before: %s).%n", report.get("cores"),
          report.get("loadAverageBefore")));
    }

    md.append("\nRuns:\n\n| runner | run | window: committed from → to | window s | steps |"
        + " events/s | wall s to all committed | checkpoints: n, duration median/max ms"
        + " | window closed because | outputs (end offsets) | table rows when cancelled"
        + " | dead letters by reason |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) report.get("runs")) {
      if (r.containsKey("error")) {
        md.append(String.format(Locale.ROOT, "| %s | %s | failed: %s | | | | | | | | | |%n",
            r.get("runner"), r.get("run"), r.get("error")));
        continue;
      }
      md.append(String.format(Locale.ROOT,
          "| %s | %s | %,d → %,d of %,d | %.1f | %s | %,.0f | %s | %s | %s | %s | %s | %s |%n",
          r.get("runner"), r.get("run"), BenchSupport.number(r, "windowStartCommitted"),
          BenchSupport.number(r, "windowEndCommitted"), BenchSupport.number(r, "inputRecords"),
          BenchSupport.decimal(r, "windowSeconds"), r.get("stepsInWindow"),
          BenchSupport.decimal(r, "eventsPerSecond"),
          r.get("wallSecondsToAllCommitted") == null ? "–"
              : String.format(Locale.ROOT, "%.1f", BenchSupport.decimal(r,
                  "wallSecondsToAllCommitted")),
          StateScaleBench.checkpointCell(r), r.get("windowEndReason"),
          shortTopics((Map<String, Object>) r.get("outputEndOffsets")),
          r.get("tableRows"), r.getOrDefault("deadLettersByReason", "–")));
    }
    md.append(cpuMarkdown((List<Map<String, Object>>) report.get("runs")));
    md.append("\nRaw Kafka ceiling passes:\n\n").append(RawKafkaCeiling.markdownRuns(ceiling));
    md.append("\nHow it was measured: ").append(MEASUREMENT).append(" Ceiling: ")
        .append(ceiling.get("measurement")).append("\n\nSettings: ").append(report.get("settings"))
        .append("\n\nReproduce everything: `").append(report.get("command")).append("`\n");
    return md.toString();
  }

  /** Rows of the CPU table: the largest groups, the rest summed. */
  static final int CPU_GROUPS_SHOWN = 14;

  /** Where the CPU went in each runner's median run (by events/s), from {@link JobCpu}. */
  @SuppressWarnings("unchecked")
  private String cpuMarkdown(List<Map<String, Object>> runs) {
    StringBuilder md = new StringBuilder();
    for (String runner : runners) {
      List<Map<String, Object>> ok = new ArrayList<>();
      for (Map<String, Object> r : runs) {
        if (runner.equals(r.get("runner")) && !r.containsKey("error") && r.get("cpu") != null) {
          ok.add(r);
        }
      }
      if (ok.isEmpty()) {
        continue;
      }
      ok.sort((a, b) -> Double.compare(BenchSupport.decimal(a, "eventsPerSecond"),
          BenchSupport.decimal(b, "eventsPerSecond")));
      Map<String, Object> median = ok.get((ok.size() - 1) / 2);
      Map<String, Object> cpu = (Map<String, Object>) median.get("cpu");
      // Per input record committed when the CPU was read: the DirectRunner stops at its time cap.
      double records = BenchSupport.number(median, "committedAtEnd");
      md.append(String.format(Locale.ROOT, "%nWhere the CPU went (%s run %s, the median by"
              + " events/s): %.0f CPU s in %.0f s from submission to the end of the measurement,"
              + " %.2f cores busy on average, %,.0f µs of CPU per input record committed by then."
              + " Per thread group (on Flink a task is named after its chain's first operator;"
              + " CPU of each live thread at the end):%n%n| thread group | CPU s | share |"
              + " µs per input record |%n"
              + "|---|---|---|---|%n", runner, median.get("run"),
          BenchSupport.decimal(cpu, "processCpuSeconds"), BenchSupport.decimal(cpu, "wallSeconds"),
          BenchSupport.decimal(cpu, "coresBusy"),
          1e6 * BenchSupport.decimal(cpu, "processCpuSeconds") / records));
      Map<String, Object> groups = (Map<String, Object>) cpu.get("byThreadGroup");
      double restSeconds = 0;
      double restShare = 0;
      double restMicros = 0;
      int shown = 0;
      for (Map.Entry<String, Object> e : groups.entrySet()) {
        Map<String, Object> g = (Map<String, Object>) e.getValue();
        double micros = 1e6 * BenchSupport.decimal(g, "cpuSeconds") / records;
        if (shown++ < CPU_GROUPS_SHOWN) {
          md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f %% | %,.0f |%n", e.getKey(),
              BenchSupport.decimal(g, "cpuSeconds"), 100 * BenchSupport.decimal(g, "share"),
              micros));
        } else {
          restSeconds += BenchSupport.decimal(g, "cpuSeconds");
          restShare += BenchSupport.decimal(g, "share");
          restMicros += micros;
        }
      }
      if (shown > CPU_GROUPS_SHOWN) {
        md.append(String.format(Locale.ROOT, "| %d other groups | %.1f | %.1f %% | %,.0f |%n",
            shown - CPU_GROUPS_SHOWN, restSeconds, 100 * restShare, restMicros));
      }
      md.append(String.format(Locale.ROOT, "| in no live Java thread: JIT compilers, GC, RocksDB's"
              + " native threads, ended threads (JIT compilation %.0f s, GC %.1f s, elapsed) | %.1f"
              + " | %.1f %% | %,.0f |%n", BenchSupport.decimal(cpu, "jitCompilationSeconds"),
          BenchSupport.decimal(cpu, "gcSeconds"), BenchSupport.decimal(cpu, "unattributedSeconds"),
          100 * BenchSupport.decimal(cpu, "unattributedSeconds")
              / BenchSupport.decimal(cpu, "processCpuSeconds"),
          1e6 * BenchSupport.decimal(cpu, "unattributedSeconds") / records));
    }
    return md.toString();
  }

  private static String shortTopics(Map<String, Object> sizes) {
    if (sizes == null) {
      return "–";
    }
    List<String> parts = new ArrayList<>();
    sizes.forEach((topic, count) -> parts.add(String.format(Locale.ROOT, "%s=%,d",
        topic.substring(topic.lastIndexOf('.') + 1), ((Number) count).longValue())));
    return String.join(", ", parts);
  }
}
