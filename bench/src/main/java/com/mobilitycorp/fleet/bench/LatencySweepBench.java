package com.mobilitycorp.fleet.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Latency at fixed input rates, and the checkpoint interval's cost in latency: for every
 * configuration (rate, checkpoint interval) {@code --runs} runs, each a fresh JVM ({@link
 * LatencyRun}) with its own broker, PostgreSQL and job (FlinkRunner [local], parallelism 2,
 * RocksDB, {@code flink-conf/local}, default exactly-once outputs) against a paced simulated fleet
 * ({@link LiveFleet}), measuring in the same run return → {@code veh.inventory.updates}, return →
 * {@code available_vehicles} row and telemetry → LOW_BATTERY alert (read_committed), and whether
 * the job kept up ({@link KeptUp}). Reports per configuration the median/min/max over the runs of
 * each run's p50, p99 and max, the send rate, and, beside every figure, the command that
 * reproduces it.
 *
 * <p>Options: {@code --rates=1000,5000,20000} at {@code --checkpoint-interval-ms=1000}, and
 * {@code --intervals=250,1000,5000} at {@code --intervals-rate=300} (empty to skip either sweep);
 * {@code --runs=3}, {@code --history-seconds=900}, {@code --warmup-seconds=60}, {@code
 * --measure-seconds=60}, {@code --settle-seconds=15}, {@code --out=bench/results/latency.json}
 * (+ .md), {@code --flink-conf-dir=flink-conf/local}, {@code --run-heap=3g}, {@code
 * --timeout-seconds} (per run; default twice its expected time plus 5 minutes), {@code
 * --job-options="--inventoryEnabled=false ..."} (passed to the job).
 */
public final class LatencySweepBench {

  /** The goal: p99 under 1 s at 5,000 events/s. */
  static final int GOAL_RATE = 5000;

  static final long GOAL_P99_MILLIS = 1000;

  private static final List<String> KNOWN = List.of("rates", "checkpoint-interval-ms",
      "intervals", "intervals-rate", "runs", "history-seconds", "warmup-seconds",
      "measure-seconds", "settle-seconds", "out", "flink-conf-dir", "run-heap", "timeout-seconds",
      "job-options");

  private static final Map<String, String> PATH_TITLES = Map.of(
      LatencyRun.RETURN_TO_INVENTORY, "return → veh.inventory.updates (read_committed)",
      LatencyRun.RETURN_TO_TABLE, "return → available_vehicles row",
      LatencyRun.TELEMETRY_TO_ALERT, "telemetry → LOW_BATTERY on alerts (read_committed)");

  private final String[] args;
  private final Map<String, String> options;
  private final List<LatencySweep.Configuration> configurations;
  private final long rateSweepInterval;
  private final int runs;
  private final int historySeconds;
  private final int warmupSeconds;
  private final int measureSeconds;
  private final int settleSeconds;
  private final Path out;
  private final Path flinkConfDir;
  private final String runHeap;
  private final String timeoutSeconds;
  private final String jobOptions;

  LatencySweepBench(String[] args) {
    this.args = args;
    this.options = BenchSupport.parseOptions(args, KNOWN);
    this.rateSweepInterval = Long.parseLong(options.getOrDefault("checkpoint-interval-ms", "1000"));
    this.configurations = LatencySweep.configurations(
        numbers(options.getOrDefault("rates", "1000,5000,20000")).stream()
            .map(Long::intValue).toList(),
        rateSweepInterval,
        numbers(options.getOrDefault("intervals", "250,1000,5000")),
        Integer.parseInt(options.getOrDefault("intervals-rate", "300")));
    if (configurations.isEmpty()) {
      throw new IllegalArgumentException("no configuration: give --rates or --intervals");
    }
    this.runs = Integer.parseInt(options.getOrDefault("runs", "3"));
    this.historySeconds = Integer.parseInt(options.getOrDefault("history-seconds", "900"));
    this.warmupSeconds = Integer.parseInt(options.getOrDefault("warmup-seconds", "60"));
    this.measureSeconds = Integer.parseInt(options.getOrDefault("measure-seconds", "60"));
    this.settleSeconds = Integer.parseInt(options.getOrDefault("settle-seconds", "15"));
    this.out = Path.of(options.getOrDefault("out", "bench/results/latency.json"));
    this.flinkConfDir = Path.of(options.getOrDefault("flink-conf-dir", "flink-conf/local"));
    this.runHeap = options.getOrDefault("run-heap", "3g");
    this.timeoutSeconds = options.get("timeout-seconds");
    this.jobOptions = options.getOrDefault("job-options", "");
    if (!Files.isRegularFile(flinkConfDir.resolve("flink-conf.yaml"))) {
      throw new IllegalArgumentException(flinkConfDir.toAbsolutePath() + "/flink-conf.yaml not"
          + " found: run from the repository's root or pass --flink-conf-dir");
    }
  }

  static List<Long> numbers(String commaSeparated) {
    List<Long> values = new ArrayList<>();
    for (String s : commaSeparated.split(",")) {
      if (!s.isBlank()) {
        values.add(Long.parseLong(s.trim()));
      }
    }
    return values;
  }

  public static void main(String[] args) throws Exception {
    new LatencySweepBench(args).run();
  }

  void run() throws Exception {
    BenchSupport.jvmOpens(); // fail now, not at the first run
    String loadBefore = BenchSupport.loadAverage();
    long expected = expectedSeconds();
    System.out.printf(Locale.ROOT, "latency sweep: %s, %d run(s) each; expected duration about"
            + " %d min (until about %s UTC)%n", configurations.stream()
            .map(LatencySweep.Configuration::id).toList(), runs, Math.round(expected / 60.0),
        Instant.now().plusSeconds(expected).toString().substring(11, 16));

    Map<Integer, Integer> vehicles = new LinkedHashMap<>();
    for (LatencySweep.Configuration c : configurations) {
      if (!vehicles.containsKey(c.rate())) {
        long t = System.nanoTime();
        vehicles.put(c.rate(), LiveFleet.vehiclesFor(c.rate(),
            org.joda.time.Instant.now(), historySeconds, warmupSeconds, measureSeconds));
        System.out.printf(Locale.ROOT, "%,d events/s: %,d vehicles (sized in %.0f s)%n", c.rate(),
            vehicles.get(c.rate()), (System.nanoTime() - t) / 1e9);
      }
    }

    Path workDir = Files.createTempDirectory("fleet-latency-sweep");
    Path logDir = out.toAbsolutePath().resolveSibling("tmp");
    Map<LatencySweep.Configuration, List<Map<String, Object>>> results = new LinkedHashMap<>();
    configurations.forEach(c -> results.put(c, new ArrayList<>()));
    int runsPlanned = runs * configurations.size();
    int runsDone = 0;
    try {
      for (int run = 1; run <= runs; run++) {
        // Alternates the order, so that no configuration always runs on the cooler machine.
        List<LatencySweep.Configuration> order = new ArrayList<>(configurations);
        if (run % 2 == 0) {
          Collections.reverse(order);
        }
        for (LatencySweep.Configuration c : order) {
          results.get(c).add(runOnce(c, run, vehicles.get(c.rate()), workDir, logDir));
          runsDone++;
          if (runsDone < runsPlanned) {
            // A sweep takes the better part of an hour: what is measured is kept if it stops.
            writeReport(loadBefore, vehicles, results, runsDone, runsPlanned);
          }
        }
      }
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }
    writeReport(loadBefore, vehicles, results, runsDone, runsPlanned);
  }

  private void writeReport(String loadBefore, Map<Integer, Integer> vehicles,
      Map<LatencySweep.Configuration, List<Map<String, Object>>> results, int runsDone,
      int runsPlanned) throws Exception {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("title", "Latency at fixed input rates and checkpoint intervals (whole topology,"
        + " exactly-once)");
    report.put("generatedAt", Instant.now().toString());
    report.put("host", BenchSupport.hostName());
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("loadAverageBefore", loadBefore);
    report.put("loadAverageAfter", BenchSupport.loadAverage());
    report.put("command", BenchSupport.command(LatencySweepBench.class, args));
    report.put("settings", settings());
    report.put("measurement", MEASUREMENT);
    report.put("goal", "p99 < " + GOAL_P99_MILLIS + " ms at " + GOAL_RATE + " events/s");
    List<Map<String, Object>> perConfiguration = new ArrayList<>();
    for (Map.Entry<LatencySweep.Configuration, List<Map<String, Object>>> e : results.entrySet()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("rate", e.getKey().rate());
      c.put("checkpointIntervalMs", e.getKey().checkpointMillis());
      c.put("vehicles", vehicles.get(e.getKey().rate()));
      c.put("command", commandFor(e.getKey()));
      c.put("summary", LatencySweep.summarize(e.getValue(), LatencyRun.PATHS));
      c.put("runs", e.getValue());
      perConfiguration.add(c);
    }
    report.put("configurations", perConfiguration);
    report.put("runsDone", runsDone);
    report.put("runsPlanned", runsPlanned);
    String markdown = markdown(report, perConfiguration);
    if (runsDone < runsPlanned) {
      int afterTitle = markdown.indexOf('\n') + 1; // below the "# title" line
      markdown = markdown.substring(0, afterTitle) + String.format(Locale.ROOT, "%n**Partial:"
          + " written after run %d of %d; the sweep was still running.** A configuration with"
          + " fewer runs than the others has its figures from those runs only.%n",
          runsDone, runsPlanned) + markdown.substring(afterTitle);
    } else {
      System.out.println(markdown);
    }
    BenchSupport.writeReport(out, report, markdown);
  }

  private long expectedSeconds() {
    long seconds = 0;
    List<Integer> sized = new ArrayList<>();
    for (LatencySweep.Configuration c : configurations) {
      if (!sized.contains(c.rate())) {
        sized.add(c.rate());
        seconds += LatencySweep.expectedSizingSeconds(c.rate(), historySeconds, warmupSeconds,
            measureSeconds);
      }
      seconds += runs * LatencySweep.expectedRunSeconds(c, historySeconds, warmupSeconds,
          measureSeconds, settleSeconds);
    }
    return seconds;
  }

  private Map<String, Object> runOnce(LatencySweep.Configuration c, int run, int vehicles,
      Path workDir, Path logDir) throws Exception {
    String name = "latency-" + c.rate() + "-" + c.checkpointMillis() + "ms-r" + run;
    Path runDir = workDir.resolve(name);
    Files.createDirectories(runDir);
    Path log = logDir.resolve(name + ".log");
    long timeout = timeoutSeconds != null ? Long.parseLong(timeoutSeconds)
        : 2 * LatencySweep.expectedRunSeconds(c, historySeconds, warmupSeconds, measureSeconds,
            settleSeconds) + 300;
    System.out.printf(Locale.ROOT, "%s run %d (log: %s)%n", c.id(), run, log);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("run", run);
    result.putAll(BenchSupport.runInFreshJvm(LatencyRun.class,
        // The completed checkpoints' durations are read from the run's log: they bound the
        // transactional alert path from below.
        List.of(CheckpointLog.LOG_AT_INFO),
        List.of(
            "--rate=" + c.rate(),
            "--vehicles=" + vehicles,
            "--checkpoint-interval-ms=" + c.checkpointMillis(),
            "--history-seconds=" + historySeconds,
            "--warmup-seconds=" + warmupSeconds,
            "--measure-seconds=" + measureSeconds,
            "--settle-seconds=" + settleSeconds,
            "--flink-conf-dir=" + flinkConfDir.toAbsolutePath(),
            "--work-dir=" + runDir,
            "--job-options=" + jobOptions,
            "--deadline-seconds=" + timeout),
        // Past its own deadline the run exits by itself, stopping its broker and PostgreSQL.
        runHeap, log, runDir.resolve("result.json"), timeout + 120));
    result.put("log", log.toString());
    result.putAll(StateScaleBench.checkpoints(CheckpointLog.read(log)));
    System.out.println("  " + oneLine(result));
    BenchSupport.deleteRecursively(runDir);
    return result;
  }

  @SuppressWarnings("unchecked")
  private static String oneLine(Map<String, Object> r) {
    if (r.containsKey("error")) {
      return "failed: " + r.get("error");
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "sent %,.0f events/s; %s",
        BenchSupport.decimal(r, "sendRate"), ((Map<String, Object>) r.get("keptUp")).get(
            "verdict")));
    Map<String, Object> paths = (Map<String, Object>) r.get("paths");
    for (String path : LatencyRun.PATHS) {
      Map<String, Object> p = (Map<String, Object>) paths.get(path);
      line.append(String.format(Locale.ROOT, "; %s: %s samples, p50 %s, p99 %s, max %s ms"
          + " (%s unseen)", path, p.get("count"), p.getOrDefault("p50Ms", "–"),
          p.getOrDefault("p99Ms", "–"), p.getOrDefault("maxMs", "–"), p.get("unseen")));
    }
    return line.toString();
  }

  /** The command that measures one configuration alone (to its own result file). */
  String commandFor(LatencySweep.Configuration c) {
    List<String> a = new ArrayList<>(List.of("--rates=" + c.rate(),
        "--checkpoint-interval-ms=" + c.checkpointMillis(), "--intervals="));
    for (String arg : args) {
      String key = arg.substring(2, arg.contains("=") ? arg.indexOf('=') : arg.length());
      if (!List.of("rates", "checkpoint-interval-ms", "intervals", "intervals-rate", "out")
          .contains(key)) {
        a.add(arg.contains(" ") ? "'" + arg + "'" : arg);
      }
    }
    String base = out.getFileName().toString().replaceFirst("\\.json$", "");
    a.add("--out=" + out.resolveSibling(base + "-" + c.rate() + "-" + c.checkpointMillis()
        + "ms.json"));
    return BenchSupport.command(LatencySweepBench.class, a.toArray(new String[0]));
  }

  static final String MEASUREMENT =
      "each run is a fresh JVM with a fresh broker and PostgreSQL (reference data written first)"
          + " that starts the whole topology (FleetStreamProcessor.build, every use case on) and"
          + " then sends a simulated fleet (seed 7, 60 locations, weather, battery faults,"
          + " excursions, unregistered vehicles, the simulator's duplicates, disorder, late and"
          + " malformed messages), sized once per rate for that many messages/s over the measured"
          + " period. The fleet starts --history-seconds before the run; of that history only"
          + " booking events and weather are sent, at once, so that trips are under way without a"
          + " telemetry backlog to drain (telemetry is skipped until the sender has caught up with"
          + " the wall clock). Then every message is sent at its delivery time (acks=all,"
          + " idempotent, linger 2 ms), the warm-up starts, then the measured period. Every"
          + " clock starts at the broker's ack of a message delivered in the measured period:"
          + " return_completed (of a booking whose start was sent) → the first record on"
          + " veh.inventory.updates freeing that vehicle (another booking or none, as_of at or"
          + " after the return) read by a read_committed consumer polling every 5 ms; the same"
          + " return → the first 10 ms poll of available_vehicles that sees the row freed; the"
          + " reading that starts a low-battery episode (the alert's vehicle_id and event_time"
          + " name it) → its LOW_BATTERY alert read by a read_committed consumer on alerts"
          + " (transactional, so visible only after the checkpoint that commits it); which alerts"
          + " were due comes from DetectLowBatteryModel fed the same stream. Outputs not seen within"
          + " --settle-seconds after the measured period are counted as unseen. Kept up: every"
          + " 500 ms the job's consumer lag (input end offsets minus its committed offsets, which"
          + " advance at checkpoints) is sampled; the lag at either end of the measured period is"
          + " the lowest within two checkpoint intervals + 1 s of it; sustained if it grew by at"
          + " most " + (int) KeptUp.GROWTH_SLACK_SECONDS + " s of input and ends below "
          + (int) KeptUp.BACKLOG_SLACK_SECONDS + " s of input. A run that is not sustained"
          + " measures the age of a growing backlog (and misses what it did not get to), not the"
          + " job's latency at that rate. Per configuration: median, min and max over the runs of"
          + " each run's p50, p99 and max.";

  private Map<String, Object> settings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("job", "FlinkRunner --flinkMaster=[local] --parallelism=2 --stateBackend=rocksdb, flink"
        + " conf " + flinkConfDir.resolve("flink-conf.yaml") + ", default --exactlyOnceOutputs"
        + " (alerts, demandWindows, locationMetrics); inventory updates and available_vehicles"
        + " are not transactional");
    s.put("jobOptions", jobOptions.isBlank() ? "none" : jobOptions);
    s.put("runs", runs);
    s.put("historySeconds", historySeconds);
    s.put("warmupSeconds", warmupSeconds);
    s.put("measureSeconds", measureSeconds);
    s.put("settleSeconds", settleSeconds);
    s.put("runHeap", runHeap);
    s.putAll(BenchSupport.versions());
    return s;
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> report, List<Map<String, Object>> perConfiguration) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(report.get("title")).append("\n\n");
    md.append(String.format(Locale.ROOT, "Measured %s on %s, %s cores, with broker, PostgreSQL,"
            + " generator and job sharing them (load average before: %s, after: %s). %d run(s)"
            + " per configuration; each figure is the median (min–max) over the runs of that"
            + " run's percentile.%n%n", report.get("generatedAt"), report.get("host"),
        report.get("cores"), report.get("loadAverageBefore"), report.get("loadAverageAfter"),
        runs));
    md.append(goal(perConfiguration)).append("\n\n");
    md.append("| rate | checkpoint | path | kept up | send rate /s | p50 ms | p99 ms | max ms |"
        + " samples/run | reproduce |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> c : perConfiguration) {
      Map<String, Object> s = (Map<String, Object>) c.get("summary");
      String keptUp = keptUpCell(s);
      String send = s.containsKey("sendRate") ? range((Map<String, Object>) s.get("sendRate"))
          : "–";
      Map<String, Object> paths = (Map<String, Object>) s.getOrDefault("paths", Map.of());
      for (String path : LatencyRun.PATHS) {
        Map<String, Object> p = (Map<String, Object>) paths.getOrDefault(path, Map.of());
        boolean figures = p.containsKey("p50Ms");
        // A latency measured on a growing backlog is marked so, beside the number.
        String mark = "all".equals(s.get("sustained")) ? "" : "(not sustained) ";
        md.append(String.format(Locale.ROOT, "| %,d/s | %,d ms | %s | %s | %s | %s | %s | %s |"
                + " %s | `%s` |%n", (Integer) c.get("rate"),
            ((Number) c.get("checkpointIntervalMs")).longValue(), PATH_TITLES.get(path), keptUp,
            send,
            figures ? mark + range((Map<String, Object>) p.get("p50Ms")) : "–",
            figures ? mark + range((Map<String, Object>) p.get("p99Ms")) : "–",
            figures ? mark + range((Map<String, Object>) p.get("maxMs")) : "–",
            figures ? samples(p) : "none", c.get("command")));
      }
    }
    md.append("\nRuns:\n\n| rate | checkpoint | run | send rate /s | kept up? |");
    for (String path : LatencyRun.PATHS) {
      md.append(" ").append(path).append(": n, p50/p99/max ms |");
    }
    md.append(" checkpoints: n, duration median/max ms | lag every 5 s from the warm-up |\n"
        + "|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> c : perConfiguration) {
      for (Map<String, Object> r : (List<Map<String, Object>>) c.get("runs")) {
        md.append(String.format(Locale.ROOT, "| %,d/s | %,d ms | %s |", (Integer) c.get("rate"),
            ((Number) c.get("checkpointIntervalMs")).longValue(), r.get("run")));
        if (r.containsKey("error")) {
          md.append(" failed: ").append(r.get("error")).append(" (").append(r.get("log"))
              .append(") | | | | | | |\n");
          continue;
        }
        md.append(String.format(Locale.ROOT, " %,.0f | %s |", BenchSupport.decimal(r, "sendRate"),
            ((Map<String, Object>) r.get("keptUp")).get("verdict")));
        Map<String, Object> paths = (Map<String, Object>) r.get("paths");
        for (String path : LatencyRun.PATHS) {
          Map<String, Object> p = (Map<String, Object>) paths.get(path);
          md.append(String.format(Locale.ROOT, " %s%s, %s/%s/%s |", p.get("count"),
              ((Number) p.get("unseen")).intValue() == 0 ? "" : " (+" + p.get("unseen")
                  + " unseen)", p.getOrDefault("p50Ms", "–"), p.getOrDefault("p99Ms", "–"),
              p.getOrDefault("maxMs", "–")));
        }
        md.append(" ").append(StateScaleBench.checkpointCell(r)).append(" | ")
            .append(r.get("lagEvery5sFromWarmup")).append(" |\n");
      }
    }
    md.append("\nThe checkpoint interval bounds the alert path from below: alerts are"
        + " transactional, so a read_committed consumer sees one only after the checkpoint that"
        + " commits it (on average half an interval later, at most one, plus the checkpoint's"
        + " own duration). Inventory updates and the available_vehicles upsert are not"
        + " transactional; the interval reaches them only through the checkpoints' cost.\n");
    md.append("\nHow it was measured: ").append(MEASUREMENT).append("\n\nSettings: ")
        .append(report.get("settings")).append("\n\nReproduce everything: `")
        .append(report.get("command")).append("`\n");
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private String goal(List<Map<String, Object>> perConfiguration) {
    for (Map<String, Object> c : perConfiguration) {
      if ((Integer) c.get("rate") != GOAL_RATE
          || ((Number) c.get("checkpointIntervalMs")).longValue() != rateSweepInterval) {
        continue;
      }
      Map<String, Object> s = (Map<String, Object>) c.get("summary");
      if (!"all".equals(s.get("sustained"))) {
        return String.format(Locale.ROOT, "Goal (issue \"Benchmarks\"): p99 < %,d ms at %,d"
            + " events/s: **not met**, the job did not keep up at %,d events/s (%s).",
            GOAL_P99_MILLIS, GOAL_RATE, GOAL_RATE, keptUpCell(s));
      }
      List<String> parts = new ArrayList<>();
      Map<String, Object> paths = (Map<String, Object>) s.get("paths");
      for (String path : LatencyRun.PATHS) {
        Map<String, Object> p99 = (Map<String, Object>) ((Map<String, Object>) paths.get(path))
            .get("p99Ms");
        parts.add(p99 == null ? path + ": no samples" : String.format(Locale.ROOT,
            "%s p99 %,.0f ms, **%s**", path, (Double) p99.get("median"),
            (Double) p99.get("median") < GOAL_P99_MILLIS ? "met" : "not met"));
      }
      return String.format(Locale.ROOT, "Goal (issue \"Benchmarks\"): p99 < %,d ms at %,d"
          + " events/s: %s.", GOAL_P99_MILLIS, GOAL_RATE, String.join("; ", parts));
    }
    return String.format(Locale.ROOT, "Goal (issue \"Benchmarks\"): p99 < %,d ms at %,d"
        + " events/s: not assessed (%,d events/s at %,d ms not in this sweep).", GOAL_P99_MILLIS,
        GOAL_RATE, GOAL_RATE, rateSweepInterval);
  }

  @SuppressWarnings("unchecked")
  private static String keptUpCell(Map<String, Object> s) {
    String cell = s.get("runsSustained") + " of " + s.get("runsOk") + " runs sustained";
    if (((Number) s.get("runsFailed")).intValue() > 0) {
      cell += " (" + s.get("runsFailed") + " failed)";
    }
    if (s.containsKey("committedRate")) {
      cell += String.format(Locale.ROOT, "; committed %s /s",
          range((Map<String, Object>) s.get("committedRate")));
    }
    return "all".equals(s.get("sustained")) ? cell : "**no**: " + cell;
  }

  private static String range(Map<String, Object> stats) {
    return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", ((Number) stats.get("median"))
        .doubleValue(), ((Number) stats.get("min")).doubleValue(),
        ((Number) stats.get("max")).doubleValue());
  }

  @SuppressWarnings("unchecked")
  private static String samples(Map<String, Object> p) {
    Map<String, Object> n = (Map<String, Object>) p.get("samplesPerRun");
    Map<String, Object> unseen = (Map<String, Object>) p.get("unseenPerRun");
    String s = range(n);
    if (((Number) unseen.get("max")).doubleValue() > 0) {
      s += ", unseen " + range(unseen);
    }
    return s;
  }
}
