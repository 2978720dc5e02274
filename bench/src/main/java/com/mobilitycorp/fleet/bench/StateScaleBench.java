package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.joda.time.Duration;

/**
 * State scale (issue: "10k, 100k and 1M distinct vehicles on RocksDB: throughput, checkpoint size
 * and duration, JVM heap and RSS; memory stays flat as vehicles grow"). Per vehicle count, a fresh
 * local broker and PostgreSQL get a backlog in which every vehicle sends the same few readings, so
 * the per-vehicle keyed state grows with the fleet and nothing else does; then each run is a fresh
 * JVM ({@link TopologyRun}) with FleetStreamProcessor on FlinkRunner [local], parallelism 2,
 * RocksDB (flink-conf/local: incremental checkpoints), checkpoints every 2 s to a local directory,
 * until every input record is committed. Per run: the sustained rate ({@link CommittedProgress},
 * 10 % to 90 % of the input), the completed checkpoints from the run's log ({@link CheckpointLog}),
 * the newest completed checkpoint on disk ({@link CheckpointFiles}), and the job JVM's heap and RSS
 * ({@link JobMemory}). Each figure is the median/min/max of the runs ({@link Stats}).
 *
 * <p>{@code --stages=keyed} (default) keeps the stages with per-vehicle keyed state:
 * de-duplication, inventory with its available_vehicles upsert, and LOW_BATTERY alerts (with the
 * enrichment they read); weather join, demand spikes, utilization, BATTERY_DRAIN and
 * GEOFENCE_VIOLATION are off, since the whole topology (~700 events/s on 2 cores) would take hours
 * at 1M vehicles. {@code --stages=full} runs every use case, with weather in the input.
 *
 * <p>Options: {@code --vehicles=10000,100000,1000000}, {@code --runs=3}, {@code
 * --stages=keyed|full}, {@code --events-per-vehicle=3}, {@code --checkpoint-interval-ms=2000},
 * {@code --memory-sample-ms=1000}, {@code --run-heap=3g}, {@code --timeout-seconds=3600} (per
 * run), {@code --flink-conf-dir=flink-conf/local}, {@code --out=bench/results/state-scale.json}
 * (+ .md).
 */
public final class StateScaleBench {

  /** Parked vehicles report on this timer; with no bookings every vehicle stays parked. */
  static final Duration PARKED_INTERVAL = Duration.standardMinutes(1);

  /** The heap this main needs to simulate a million vehicles (the fleet's state, ids seen). */
  static final String BENCH_HEAP = "3g";

  /** What {@code --stages=keyed} switches off: the stages without per-vehicle keyed state. */
  static final List<String> KEYED_ONLY_OPTIONS = List.of(
      "--weatherJoinEnabled=false",
      "--demandSpikesEnabled=false",
      "--utilizationEnabled=false",
      "--batteryDrainAlertsEnabled=false",
      "--geofenceAlertsEnabled=false");

  static final String KEYED_STAGES = "decode, de-duplication (per event id), inventory"
      + " (TrackInventory, per vehicle) with its available_vehicles upsert to PostgreSQL,"
      + " enrichment from PostgreSQL reference data, LOW_BATTERY alerts (per vehicle); off: weather"
      + " join, demand spikes, utilization, BATTERY_DRAIN, GEOFENCE_VIOLATION";

  static final String FULL_STAGES = "every use case (FleetPipelineOptions defaults): dedup,"
      + " inventory, available_vehicles, enrichment, LOW_BATTERY, GEOFENCE_VIOLATION,"
      + " BATTERY_DRAIN, weather join, demand spikes, utilization";

  private static final List<String> KNOWN = List.of("vehicles", "runs", "stages",
      "events-per-vehicle", "checkpoint-interval-ms", "memory-sample-ms", "run-heap",
      "timeout-seconds", "flink-conf-dir", "out");

  private final String[] args;
  private final List<Integer> vehicleCounts;
  private final int runs;
  private final boolean fullTopology;
  private final int eventsPerVehicle;
  private final long checkpointMillis;
  private final long memorySampleMillis;
  private final String runHeap;
  private final long timeoutSeconds;
  private final Path flinkConfDir;
  private final Path out;

  StateScaleBench(String[] args) {
    Map<String, String> options = BenchSupport.parseOptions(args, KNOWN);
    this.args = args;
    this.vehicleCounts = vehicleCounts(options.getOrDefault("vehicles", "10000,100000,1000000"));
    this.runs = Integer.parseInt(options.getOrDefault("runs", "3"));
    String stages = options.getOrDefault("stages", "keyed");
    if (!stages.equals("keyed") && !stages.equals("full")) {
      throw new IllegalArgumentException("--stages is keyed or full: " + stages);
    }
    this.fullTopology = stages.equals("full");
    this.eventsPerVehicle = Integer.parseInt(options.getOrDefault("events-per-vehicle", "3"));
    this.checkpointMillis = Long.parseLong(options.getOrDefault("checkpoint-interval-ms", "2000"));
    this.memorySampleMillis = Long.parseLong(options.getOrDefault("memory-sample-ms", "1000"));
    this.runHeap = options.getOrDefault("run-heap", "3g");
    this.timeoutSeconds = Long.parseLong(options.getOrDefault("timeout-seconds", "3600"));
    this.flinkConfDir = Path.of(options.getOrDefault("flink-conf-dir", "flink-conf/local"));
    this.out = Path.of(options.getOrDefault("out", "bench/results/state-scale.json"));
    if (runs < 1 || eventsPerVehicle < 1) {
      throw new IllegalArgumentException("--runs and --events-per-vehicle must be >= 1");
    }
    if (!Files.isRegularFile(flinkConfDir.resolve("flink-conf.yaml"))) {
      throw new IllegalArgumentException(
          flinkConfDir.toAbsolutePath() + "/flink-conf.yaml not found: run from the repository's"
              + " root or pass --flink-conf-dir");
    }
  }

  /** {@code 10000,100000} → ascending, distinct, positive. */
  static List<Integer> vehicleCounts(String spec) {
    List<Integer> counts = new ArrayList<>();
    for (String part : spec.split(",")) {
      int n = Integer.parseInt(part.trim().replace("_", ""));
      if (n < 1) {
        throw new IllegalArgumentException("--vehicles must be positive: " + spec);
      }
      if (!counts.contains(n)) {
        counts.add(n);
      }
    }
    counts.sort(Integer::compare);
    return counts;
  }

  public static void main(String[] args) throws Exception {
    new StateScaleBench(args).run();
  }

  /** Every vehicle parked all along, reporting on its timer: the same readings per vehicle. */
  SimulatorConfig fleet(int vehicles) {
    return SimulatorConfig.builder()
        .seed(7)
        .vehicleCount(vehicles)
        .locationCount(60)
        .start(BenchInput.START)
        .duration(PARKED_INTERVAL.multipliedBy(eventsPerVehicle))
        .parkedTelemetryInterval(PARKED_INTERVAL)
        .bookingsPerVehiclePerDay(0)
        .maintenanceRatePerVehicleDay(0)
        .cleanDelivery()
        // The weather join waits for the weather's watermark: give it weather when it runs.
        .weatherEnabled(fullTopology)
        .build();
  }

  String inputDescription() {
    return String.format(Locale.ROOT, "per vehicle count one fleet (seed 7, 60 locations, %s"
            + " simulated from %s), every vehicle parked and reporting every %s: %d telemetry"
            + " readings per vehicle (first spread over the first minute), plus the few readings"
            + " of battery swaps; no bookings, no maintenance, clean delivery (no duplicates,"
            + " disorder, late or malformed messages)%s; 4 partitions per topic",
        PARKED_INTERVAL.multipliedBy(eventsPerVehicle), BenchInput.START, PARKED_INTERVAL,
        eventsPerVehicle, fullTopology ? "; weather every 5 min per location" : "");
  }

  void run() throws Exception {
    BenchSupport.jvmOpens(); // fail before the broker starts, not at the first run
    String loadBefore = BenchSupport.loadAverage();
    Path workDir = Files.createTempDirectory("fleet-state-scale-bench");
    Path logDir = out.resolveSibling("tmp");
    List<Map<String, Object>> inputs = new ArrayList<>();
    List<Map<String, Object>> results = new ArrayList<>();
    try {
      for (int vehicles : vehicleCounts) {
        Path stackDir = workDir.resolve("v" + vehicles);
        // A fresh broker and database per fleet: its own input, nothing left from the last.
        try (LocalKafka kafka = LocalKafka.start(stackDir.resolve("kafka"), 0);
            LocalPostgres postgres = LocalPostgres.start(stackDir.resolve("postgres"), 0, true)) {
          Map<String, Object> input = fill(vehicles, kafka, postgres);
          inputs.add(input);
          long messages = BenchSupport.number(input, "messages");
          for (int run = 1; run <= runs; run++) {
            results.add(runOnce(vehicles, run, messages, kafka, postgres, stackDir, logDir));
          }
        } finally {
          BenchSupport.deleteRecursively(stackDir);
        }
      }
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }

    Map<String, Object> report = report(inputs, results, loadBefore);
    String markdown = markdown(report);
    System.out.println(markdown);
    BenchSupport.writeReport(out, report, markdown);
  }

  /** The JSON report of the runs: settings, per vehicle count the figures' stats, the ratios. */
  Map<String, Object> report(List<Map<String, Object>> inputs, List<Map<String, Object>> results,
      String loadBefore) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("title", "State scale: distinct vehicles on RocksDB");
    report.put("generatedAt", Instant.now().toString());
    report.put("host", BenchSupport.hostName());
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("loadAverageBefore", loadBefore);
    report.put("loadAverageAfter", BenchSupport.loadAverage());
    report.put("command", BenchSupport.command(StateScaleBench.class, BENCH_HEAP, args));
    report.put("stages", fullTopology ? "full: " + FULL_STAGES : "keyed: " + KEYED_STAGES);
    report.put("eventsPerVehicle", eventsPerVehicle);
    report.put("inputDescription", inputDescription());
    report.put("inputs", inputs);
    report.put("settings", settings());
    report.put("measurement", MEASUREMENT);
    List<Map<String, Object>> summary = new ArrayList<>();
    for (int vehicles : vehicleCounts) {
      summary.add(summary(vehicles, results));
    }
    report.put("summary", summary);
    report.put("ratioLargestToSmallest", ratios(summary));
    report.put("runs", results);
    return report;
  }

  private Map<String, Object> fill(int vehicles, LocalKafka kafka, LocalPostgres postgres)
      throws Exception {
    Map<String, Integer> topics = new LinkedHashMap<>(FleetTopics.all());
    for (int run = 1; run <= runs; run++) {
      TopologyRun.outputTopics(topicPrefix(vehicles, run)).values()
          .forEach(t -> topics.put(t, FleetTopics.LOCAL_PARTITIONS));
    }
    kafka.createTopics(topics);
    long fillStart = System.nanoTime();
    BitSet reported = new BitSet(vehicles);
    ThroughputInput.Sent sent = ThroughputInput.send(kafka.bootstrapServers(), fleet(vehicles),
        m -> {
          if (m.isTelemetry()) {
            reported.set(vehicleIndex(m.telemetry().getVehicleId()));
          }
        });
    if (reported.cardinality() != vehicles) {
      throw new IllegalStateException("only " + reported.cardinality() + " of " + vehicles
          + " vehicles reported: simulate longer (--events-per-vehicle)");
    }
    long telemetry = sent.messagesPerTopic().get(FleetTopics.VEHICLE_EVENTS_RAW);
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("vehicles", vehicles);
    input.put("vehiclesReporting", reported.cardinality());
    input.put("messages", sent.messages());
    input.put("messagesPerTopic", sent.messagesPerTopic());
    input.put("telemetryPerVehicle", (double) telemetry / vehicles);
    input.put("bytes", sent.bytes());
    input.put("writeSeconds", (System.nanoTime() - fillStart) / 1e9);
    int referenceRows = ReferenceDataWriter.apply(postgres.jdbcUrl(), postgres.user(),
        postgres.password(), new FleetSimulator(fleet(vehicles)));
    input.put("referenceDataRows", referenceRows);
    BenchSupport.createOffsetsTopic(kafka.bootstrapServers(), ThroughputInput.TOPICS.get(0));
    System.out.println("input: " + input);
    return input;
  }

  /** {@code veh-0001234} → 1233: the simulator numbers its vehicles from 1. */
  static int vehicleIndex(String vehicleId) {
    return Integer.parseInt(vehicleId.substring(vehicleId.lastIndexOf('-') + 1)) - 1;
  }

  private static String topicPrefix(int vehicles, int run) {
    return "bench.state.v" + vehicles + ".r" + run + ".";
  }

  private List<String> runArgs(int vehicles, int run, long messages, LocalKafka kafka,
      LocalPostgres postgres, String group, Path runDir) {
    List<String> args = TopologyRun.runArgs("flink", kafka, postgres, group,
        topicPrefix(vehicles, run), runDir, flinkConfDir, "rocksdb", checkpointMillis, messages,
        timeoutSeconds);
    args.addAll(List.of(
        "--max-warmup-seconds=0",
        "--max-measure-seconds=0",
        "--until-all-committed=true",
        "--memory-sample-ms=" + memorySampleMillis,
        "--job-options=" + String.join(" ", fullTopology ? List.of() : KEYED_ONLY_OPTIONS)));
    return args;
  }

  private Map<String, Object> runOnce(int vehicles, int run, long messages, LocalKafka kafka,
      LocalPostgres postgres, Path stackDir, Path logDir) throws Exception {
    FullTopologyThroughputBench.resetTables(postgres);
    Path runDir = stackDir.resolve("r" + run);
    Files.createDirectories(runDir);
    Path log = logDir.resolve("state-scale-v" + vehicles + "-r" + run + ".log");
    String group = "bench-state-v" + vehicles + "-r" + run;
    System.out.printf(Locale.ROOT, "%,d vehicles, run %d (log: %s)%n", vehicles, run, log);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("vehicles", vehicles);
    result.put("run", run);
    result.putAll(BenchSupport.runInFreshJvm(TopologyRun.class,
        // The completed checkpoints' sizes and durations are read from the run's log.
        List.of(CheckpointLog.LOG_AT_INFO),
        runArgs(vehicles, run, messages, kafka, postgres, group, runDir),
        runHeap, log, runDir.resolve("result.json"), timeoutSeconds + 180));
    result.put("log", log.toString());
    result.putAll(checkpoints(CheckpointLog.read(log)));
    try (Admin admin = BenchSupport.admin(kafka.bootstrapServers())) {
      result.put("outputEndOffsets", BenchSupport.topicSizes(
          admin, TopologyRun.outputTopics(topicPrefix(vehicles, run)).values()));
    }
    result.put("tableRows", FullTopologyThroughputBench.tableRows(postgres));
    Map<String, Object> shown = new LinkedHashMap<>(result);
    shown.remove("steps [ms since submission, committed]");
    shown.remove("jobOptions");
    System.out.println("run: " + shown);
    return result;
  }

  /** A run's completed checkpoints: how many, the last one's size, their durations' median. */
  static Map<String, Object> checkpoints(List<CheckpointLog.Completed> completed) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("checkpointsCompleted", completed.size());
    if (completed.isEmpty()) {
      return m;
    }
    CheckpointLog.Completed last = completed.get(completed.size() - 1);
    m.put("lastCheckpointId", last.id());
    m.put("lastCheckpointBytes", last.bytes());
    m.put("lastCheckpointDurationMillis", last.durationMillis());
    Stats durations = Stats.of(completed.stream().map(c -> (double) c.durationMillis()).toList());
    m.put("checkpointDurationMillisMedian", durations.median());
    m.put("checkpointDurationMillisMax", durations.max());
    return m;
  }

  /** {@link #checkpoints}' figures as a table cell: "n, median/max ms", or "–" if none. */
  static String checkpointCell(Map<String, Object> run) {
    if (!(run.get("checkpointDurationMillisMedian") instanceof Number median)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%s, %,.0f/%,.0f", run.get("checkpointsCompleted"),
        median.doubleValue(), ((Number) run.get("checkpointDurationMillisMax")).doubleValue());
  }

  /** A figure of a run: its name in the summary and how to read it off the run's result. */
  record Figure(String name, String label, String unit, Function<Map<String, Object>, Number> of) {}

  private static Number nested(Map<String, Object> run, String map, String key) {
    return run.get(map) instanceof Map<?, ?> m && m.get(key) instanceof Number n ? n : null;
  }

  static final List<Figure> FIGURES = List.of(
      new Figure("eventsPerSecond", "events/s (10–90 %)", "",
          r -> r.get("eventsPerSecond") instanceof Number n ? n : null),
      new Figure("lastCheckpointBytes", "last checkpoint (Flink's state size)", "MB",
          r -> r.get("lastCheckpointBytes") instanceof Number n ? n : null),
      new Figure("newestCheckpointOnDiskBytes", "newest checkpoint on disk (chk-N + shared/)",
          "MB", r -> nested(r, "newestCheckpointOnDisk", "totalBytes")),
      new Figure("checkpointDurationMillisMedian", "checkpoint duration (median of the run)",
          "ms", r -> r.get("checkpointDurationMillisMedian") instanceof Number n ? n : null),
      new Figure("maxHeapAfterGcBytes", "heap after GC (max)", "MB",
          r -> nested(r, "memory", "maxHeapAfterGcBytes")),
      new Figure("heapUsedAfterFullGcBytes", "heap after a full GC at the end", "MB",
          r -> nested(r, "memoryAtEnd", "heapUsedAfterFullGcBytes")),
      new Figure("maxRssBytes", "RSS (max)", "MB", r -> nested(r, "memory", "maxRssBytes")),
      new Figure("wallSecondsToAllCommitted", "wall s to all committed", "s",
          r -> r.get("wallSecondsToAllCommitted") instanceof Number n ? n : null));

  private Map<String, Object> summary(int vehicles, List<Map<String, Object>> results) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("vehicles", vehicles);
    List<Map<String, Object>> ok = new ArrayList<>();
    int failed = 0;
    for (Map<String, Object> r : results) {
      if (((Number) r.get("vehicles")).intValue() != vehicles) {
        continue;
      }
      if (r.containsKey("error")) {
        failed++;
      } else {
        ok.add(r);
      }
    }
    s.put("runsOk", ok.size());
    s.put("runsFailed", failed);
    for (Figure f : FIGURES) {
      List<Double> values = new ArrayList<>();
      for (Map<String, Object> r : ok) {
        Number n = f.of().apply(r);
        if (n != null && n.doubleValue() >= 0) {
          values.add(n.doubleValue());
        }
      }
      if (!values.isEmpty()) {
        s.put(f.name(), Stats.of(values).toMap());
      }
    }
    s.put("command", commandFor(vehicles));
    return s;
  }

  /** The median of each figure at the most vehicles over the same at the fewest. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> ratios(List<Map<String, Object>> summary) {
    Map<String, Object> ratios = new LinkedHashMap<>();
    if (summary.size() < 2) {
      return ratios;
    }
    Map<String, Object> fewest = summary.get(0);
    Map<String, Object> most = summary.get(summary.size() - 1);
    ratios.put("vehicles", most.get("vehicles") + " / " + fewest.get("vehicles"));
    for (Figure f : FIGURES) {
      if (most.get(f.name()) instanceof Map<?, ?> a && fewest.get(f.name()) instanceof Map<?, ?> b
          && ((Number) b.get("median")).doubleValue() > 0) {
        ratios.put(f.name(), ((Number) a.get("median")).doubleValue()
            / ((Number) b.get("median")).doubleValue());
      }
    }
    return ratios;
  }

  /** The command that reproduces one vehicle count's figures. */
  private String commandFor(int vehicles) {
    List<String> own = new ArrayList<>();
    for (String arg : args) {
      if (!arg.startsWith("--vehicles=")) {
        own.add(arg);
      }
    }
    own.add(0, "--vehicles=" + vehicles);
    return BenchSupport.command(StateScaleBench.class, BENCH_HEAP, own.toArray(new String[0]));
  }

  static final String MEASUREMENT =
      "per vehicle count, a fresh broker and PostgreSQL; the backlog is written to veh.events.raw"
          + " (and weather.observations with --stages=full) and the fleet's reference data to"
          + " PostgreSQL before any job starts. Each run is a fresh JVM (TopologyRun) in which the"
          + " job runs on embedded Flink, with a fresh consumer group, sink group and output"
          + " topics, after emptying available_vehicles and vehicle_utilization_hourly, until every"
          + " input record is committed. Throughput: the group's committed offsets every 250 ms;"
          + " committed records between the first observation at or above 10 % of the input and"
          + " the first at or above 90 %, over the time between them (offsets commit when a"
          + " checkpoint completes; checkpoints are aligned). Checkpoints: Flink's"
          + " CheckpointCoordinator logs every completed one at INFO (\"Completed checkpoint N for"
          + " job J (X bytes, checkpointDuration=Y ms ...)\"), read from the run's log: the size is"
          + " that of the last completed checkpoint of the run (X, the full state size Flink"
          + " reports, the incremental checkpoint's shared RocksDB files included), the duration"
          + " the median of Y over the run's checkpoints (trigger to completion). Once all is"
          + " committed, the newest completed chk-N (with _metadata) is also measured on disk:"
          + " chk-N plus shared/ and taskowned/ (an upper bound: shared/ may still hold files only"
          + " the older retained checkpoint refers to). Memory, of the job's JVM (embedded Flink"
          + " runs in it), sampled every --memory-sample-ms without forcing GCs: heap after GC ="
          + " the heap pools' usage after their latest collection (MemoryPoolMXBean"
          + ".getCollectionUsage, summed), RSS = VmRSS of /proc/self/status (heap, metaspace,"
          + " threads and native memory, RocksDB's included); maxima over the run. Once all is"
          + " committed, one System.gc() and the heap used after it: the live heap with the whole"
          + " state in place. Figures are median/min/max over the runs; the ratios divide the"
          + " median at the most vehicles by the median at the fewest (1 = flat). The enrichment"
          + " keeps the vehicles reference table (one entry per registered vehicle) as a side input"
          + " on the heap, by design: that part of the heap grows with the fleet whatever the"
          + " state backend.";

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("flink", "FlinkRunner --flinkMaster=[local] --parallelism=2, RocksDB"
        + " (--stateBackend=rocksdb; incremental per flink conf), checkpoints every "
        + checkpointMillis + " ms to a local directory, flink conf "
        + flinkConfDir.resolve("flink-conf.yaml") + ", default --exactlyOnceOutputs, fresh"
        + " --sinkGroupId per run");
    settings.put("jobOptionsAdded", fullTopology ? List.of() : KEYED_ONLY_OPTIONS);
    settings.put("runHeap", runHeap);
    settings.put("memorySampleMillis", memorySampleMillis);
    settings.put("topics", "4 partitions each");
    settings.putAll(BenchSupport.versions());
    return settings;
  }

  private static String cell(Map<String, Object> s, Figure f) {
    if (!(s.get(f.name()) instanceof Map<?, ?> stats)) {
      return "–";
    }
    double scale = f.unit().equals("MB") ? 1e6 : 1;
    String format = f.unit().equals("MB") ? "%,.1f" : "%,.0f";
    if (f.unit().equals("s")) {
      format = "%,.1f";
    }
    return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")",
        ((Number) stats.get("median")).doubleValue() / scale,
        ((Number) stats.get("min")).doubleValue() / scale,
        ((Number) stats.get("max")).doubleValue() / scale);
  }

  @SuppressWarnings("unchecked")
  String markdown(Map<String, Object> report) {
    List<Map<String, Object>> summary = (List<Map<String, Object>>) report.get("summary");
    StringBuilder md = new StringBuilder();
    md.append("# ").append(report.get("title")).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "Measured %s on %s, %s cores (load average before: %s, after: %s).%n%n",
        report.get("generatedAt"), report.get("host"), report.get("cores"),
        report.get("loadAverageBefore"), report.get("loadAverageAfter")));
    md.append("Stages that ran: ").append(report.get("stages")).append(".\n\n");
    md.append(String.format(Locale.ROOT, "Input: %d telemetry readings per vehicle; %s.%n%n",
        eventsPerVehicle, inputDescription()));
    md.append("Each cell: median (min–max) of the runs; MB = 10^6 bytes.\n\n");
    md.append("| vehicles | input messages |");
    for (Figure f : FIGURES) {
      md.append(' ').append(f.label()).append(f.unit().isEmpty() || f.unit().equals("s") ? ""
          : ", " + f.unit()).append(" |");
    }
    md.append(" runs | reproduce |\n|---|---|");
    md.append("---|".repeat(FIGURES.size())).append("---|---|\n");
    Map<Object, Object> messagesByVehicles = new LinkedHashMap<>();
    for (Map<String, Object> input : (List<Map<String, Object>>) report.get("inputs")) {
      messagesByVehicles.put(input.get("vehicles"), input.get("messages"));
    }
    for (Map<String, Object> s : summary) {
      Object messages = messagesByVehicles.get(s.get("vehicles"));
      md.append(String.format(Locale.ROOT, "| %,d | %s |", ((Number) s.get("vehicles")).intValue(),
          messages == null ? "–" : String.format(Locale.ROOT, "%,d", ((Number) messages)
              .longValue())));
      for (Figure f : FIGURES) {
        md.append(' ').append(cell(s, f)).append(" |");
      }
      md.append(' ').append(s.get("runsOk"))
          .append(((Number) s.get("runsFailed")).intValue() == 0 ? ""
              : " (" + s.get("runsFailed") + " failed)")
          .append(" | `").append(s.get("command")).append("` |\n");
    }

    Map<String, Object> ratios = (Map<String, Object>) report.get("ratioLargestToSmallest");
    if (!ratios.isEmpty()) {
      md.append("\nGoal (issue \"State scale\"): memory stays flat as vehicles grow. Ratio of the"
          + " medians, ").append(ratios.get("vehicles")).append(" vehicles (1 = flat):\n\n");
      md.append("| figure | ratio |\n|---|---|\n");
      for (Figure f : FIGURES) {
        if (ratios.get(f.name()) instanceof Number n) {
          md.append(String.format(Locale.ROOT, "| %s | %.2f |%n", f.label(), n.doubleValue()));
        }
      }
      md.append("\nThe heap includes the enrichment's vehicles side input (one entry per"
          + " registered vehicle), which grows with the fleet by design.\n");
    }

    md.append("\nRuns:\n\n| vehicles | run | window: committed from → to | window s | events/s |"
        + " checkpoints | last checkpoint bytes | on disk bytes | heap after GC max MB |"
        + " heap after full GC MB | RSS max MB | table rows |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) report.get("runs")) {
      if (r.containsKey("error")) {
        md.append(String.format(Locale.ROOT, "| %,d | %s | failed: %s (log %s) | | | | | | | | |"
            + " |%n", ((Number) r.get("vehicles")).intValue(), r.get("run"), r.get("error"),
            r.get("log")));
        continue;
      }
      md.append(String.format(Locale.ROOT,
          "| %,d | %s | %,d → %,d of %,d | %.1f | %,.0f | %s | %s | %s | %s | %s | %s | %s |%n",
          ((Number) r.get("vehicles")).intValue(), r.get("run"),
          BenchSupport.number(r, "windowStartCommitted"),
          BenchSupport.number(r, "windowEndCommitted"), BenchSupport.number(r, "inputRecords"),
          BenchSupport.decimal(r, "windowSeconds"), BenchSupport.decimal(r, "eventsPerSecond"),
          r.get("checkpointsCompleted"), bytes(r.get("lastCheckpointBytes")),
          bytes(nested(r, "newestCheckpointOnDisk", "totalBytes")),
          megabytes(nested(r, "memory", "maxHeapAfterGcBytes")),
          megabytes(nested(r, "memoryAtEnd", "heapUsedAfterFullGcBytes")),
          megabytes(nested(r, "memory", "maxRssBytes")), r.get("tableRows")));
    }
    md.append("\nHow it was measured: ").append(MEASUREMENT)
        .append("\n\nSettings: ").append(report.get("settings"))
        .append("\n\nReproduce everything: `").append(report.get("command")).append("`\n");
    return md.toString();
  }

  private static String bytes(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "–";
  }

  private static String megabytes(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%,.1f", n.doubleValue() / 1e6)
        : "–";
  }
}
