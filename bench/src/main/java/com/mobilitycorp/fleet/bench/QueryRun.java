package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.pipelines.FleetPipelineOptions;
import com.mobilitycorp.fleet.pipelines.FleetStreamProcessor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * One run of one query on one engine, in a JVM of its own (started by {@link BenchHarness}), so
 * every run starts equally cold and nothing of an earlier job (threads, JIT, heap) is left. Starts
 * the job, follows its de-duplicated output with an {@link OutputWatcher} until every unique input
 * id is there, stops the job and writes its timings as JSON to {@code --result}.
 *
 * <p>The clock starts right before the job is handed to Flink ({@code Pipeline.run()}, {@code
 * StatementSet.execute()}): translation or planning, the embedded mini cluster's start and the job
 * itself count; building the pipeline or registering the tables does not.
 */
public final class QueryRun {

  public static void main(String[] args) throws Exception {
    BenchSupport.exitWithParent();
    Map<String, String> options = BenchSupport.parseOptions(args);
    Engine engine = Engine.of(options.get("engine"));
    Query query = Query.of(options.get("query"));
    int run = Integer.parseInt(options.get("run"));
    String bootstrap = options.get("bootstrap");
    long expectedIds = Long.parseLong(options.get("expected-ids"));
    Path workDir = Path.of(options.get("work-dir"));
    Path flinkConfDir = Path.of(options.get("flink-conf-dir"));
    String stateBackend = options.get("state-backend");
    long checkpointMillis = Long.parseLong(options.get("checkpoint-interval-ms"));
    Duration timeout = Duration.ofSeconds(Long.parseLong(options.get("timeout-seconds")));
    Path resultFile = Path.of(options.get("result"));
    RunTopics topics = RunTopics.of(engine, query, run);
    String consumerGroup = "bench-" + engine.id() + "-" + query.id() + "-r" + run;

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("engine", engine.id());
    result.put("query", query.id());
    result.put("run", run);
    try (OutputWatcher watcher =
        new OutputWatcher(bootstrap, topics.watched(query), expectedIds).start()) {
      if (engine == Engine.NATIVE) {
        runNative(query, bootstrap, consumerGroup, topics, workDir, flinkConfDir, stateBackend,
            checkpointMillis, timeout, watcher, result);
      } else {
        runBeam(query, bootstrap, consumerGroup, topics, workDir, flinkConfDir, stateBackend,
            checkpointMillis, timeout, watcher, result);
      }
      OutputWatcher.Seen seen = watcher.stop();
      result.put("watchedTopic", topics.watched(query));
      result.put("expectedIds", expectedIds);
      result.put("distinctIds", seen.distinctIds());
      result.put("watchedRecords", seen.records());
      result.put("recordsWithoutId", seen.recordsWithoutId());
      result.put("recordsNotLogAppendTime", seen.recordsNotLogAppendTime());
      result.put("firstOutputAtMillis", seen.firstAppendMillis());
      result.put("completedAtMillis", seen.completedAtMillis());
    } catch (Throwable t) {
      result.put("error", String.valueOf(t));
      t.printStackTrace();
    }
    write(resultFile, result);
    // Flink's and Beam's non-daemon threads (mini cluster, Kafka clients) outlive the job.
    System.exit(result.containsKey("error") ? 1 : 0);
  }

  private static void runNative(Query query, String bootstrap, String consumerGroup,
      RunTopics topics, Path workDir, Path flinkConfDir, String stateBackend,
      long checkpointMillis, Duration timeout, OutputWatcher watcher, Map<String, Object> result)
      throws Exception {
    // The same flink-conf as the Beam job's --flinkConfDir (unaligned checkpoints, restarts, ...).
    Configuration conf = GlobalConfiguration.loadConfiguration(flinkConfDir.toString());
    conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        workDir.resolve("checkpoints").toUri().toString());
    conf.set(ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL,
        Duration.ofMillis(checkpointMillis));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    StreamTableEnvironment tables =
        StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    tables.getConfig().set("table.local-time-zone", "UTC");
    // The de-duplication's horizon (see NativeFlinkSqlQueries: processing time, not event time).
    tables.getConfig().set("table.exec.state.ttl", "10 min");
    NativeFlinkSqlQueries.Wiring wiring =
        new NativeFlinkSqlQueries.Wiring(bootstrap, query.inputTopic, consumerGroup, topics);
    for (String ddl : NativeFlinkSqlQueries.ddl(query, wiring)) {
      tables.executeSql(ddl);
    }
    StatementSet statements = tables.createStatementSet();
    for (String insert : NativeFlinkSqlQueries.inserts(query)) {
      statements.addInsertSql(insert);
    }
    System.out.println(statements.explain());

    long submitted = System.currentTimeMillis();
    TableResult job = statements.execute();
    result.put("submittedAtMillis", submitted);
    boolean complete = watcher.awaitComplete(timeout);
    result.put("complete", complete);
    if (!complete) {
      job.getJobClient().ifPresent(client -> client.cancel());
      throw new IllegalStateException("not every input id was published within " + timeout);
    }
    // The sources are bounded: the job ends by itself once the backlog is processed (after a
    // final checkpoint, which the at-least-once Kafka sink waits for).
    job.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    result.put("jobFinishedAtMillis", System.currentTimeMillis());
  }

  private static void runBeam(Query query, String bootstrap, String consumerGroup,
      RunTopics topics, Path workDir, Path flinkConfDir, String stateBackend,
      long checkpointMillis, Duration timeout, OutputWatcher watcher, Map<String, Object> result)
      throws Exception {
    List<String> args = beamArgs(query, bootstrap, consumerGroup, topics, workDir, flinkConfDir,
        stateBackend, checkpointMillis);
    System.out.println("Beam job options: " + String.join(" ", args));
    FleetPipelineOptions pipelineOptions =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(FleetPipelineOptions.class);
    pipelineOptions.setStreaming(true);
    Pipeline pipeline = Pipeline.create(pipelineOptions);
    FleetStreamProcessor.build(pipeline, pipelineOptions);

    long submitted = System.currentTimeMillis();
    PipelineResult job = pipeline.run();
    result.put("submittedAtMillis", submitted);
    boolean complete;
    try {
      complete = watcher.awaitComplete(timeout);
    } finally {
      // Unbounded sources: the job never ends by itself.
      job.cancel();
    }
    result.put("complete", complete);
    result.put("jobCancelledAtMillis", System.currentTimeMillis());
    if (!complete) {
      throw new IllegalStateException("not every input id was published within " + timeout);
    }
  }

  /**
   * The production job (FleetStreamProcessor) with only the stages of the query: decode, dedup and
   * publish; plus DetectDemandSpikes for the demand query. The input the query does not use is an
   * empty topic. Every output is a plain at-least-once write, as the native Kafka sink's.
   */
  static List<String> beamArgs(Query query, String bootstrap, String consumerGroup,
      RunTopics topics, Path workDir, Path flinkConfDir, String stateBackend,
      long checkpointMillis) {
    List<String> args = new ArrayList<>(BenchSupport.localFlinkJobArgs(
        flinkConfDir, checkpointMillis, stateBackend, workDir.resolve("checkpoints")));
    args.addAll(List.of(
        "--bootstrapServers=" + bootstrap,
        "--consumerGroup=" + consumerGroup,
        "--exactlyOnceOutputs=",
        "--sinkGroupId=" + consumerGroup,
        "--inventoryEnabled=false",
        "--lowBatteryAlertsEnabled=false",
        "--geofenceAlertsEnabled=false",
        "--batteryDrainAlertsEnabled=false",
        "--weatherJoinEnabled=false",
        "--utilizationEnabled=false",
        "--demandSpikesEnabled=" + (query == Query.DEMAND),
        "--telemetryTopic=" + (query == Query.DEDUP ? query.inputTopic : RunTopics.EMPTY_INPUT),
        "--bookingTopic=" + (query == Query.DEMAND ? query.inputTopic : RunTopics.EMPTY_INPUT),
        "--deduplicatedTelemetryTopic=" + topics.telemetry(),
        "--deduplicatedBookingTopic=" + topics.bookings(),
        "--demandWindowsTopic=" + topics.windows(),
        "--alertsTopic=" + topics.alerts(),
        "--deadLetterTopic=" + topics.deadLetter()));
    return args;
  }

  private static void write(Path file, Map<String, Object> result) throws IOException {
    BenchSupport.writeJson(file, result);
  }

  private QueryRun() {}
}
