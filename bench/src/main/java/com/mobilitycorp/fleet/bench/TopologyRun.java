package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.pipelines.FleetPipelineOptions;
import com.mobilitycorp.fleet.pipelines.FleetStreamProcessor;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One run of the whole topology ({@code FleetStreamProcessor.build}, every use case on unless
 * {@code --job-options} switches some off) over a pre-filled input such as {@link
 * ThroughputInput}, in a JVM of its own (started by {@link FullTopologyThroughputBench} or {@link
 * StateScaleBench}). Submits the job, then polls the committed offsets of its consumer group
 * ({@link CommittedProgress}) until the measured window has closed and, with {@code
 * --until-all-committed=true}, until every input record is committed (the total wall time);
 * cancels the job and writes the result as JSON to {@code --result}.
 *
 * <p>Optional: {@code --job-options="--xEnabled=false ..."} (more job options, e.g. use cases
 * off); {@code --memory-sample-ms=N} samples this JVM's heap and RSS every N ms ({@link JobMemory})
 * and, once all is committed, forces a GC and measures the newest checkpoint on disk ({@link
 * CheckpointFiles}), for {@link StateScaleBench}.
 */
public final class TopologyRun {

  /** How often the group's offsets are asked for: well below the 2 s checkpoint interval. */
  private static final long POLL_MILLIS = 250;

  private static final long PROGRESS_LINE_MILLIS = 5_000;

  public static void main(String[] args) throws Exception {
    BenchSupport.exitWithParent();
    Map<String, String> o = BenchSupport.parseOptions(args);
    String runner = o.get("runner");
    String bootstrap = o.get("bootstrap");
    String consumerGroup = o.get("consumer-group");
    long inputRecords = Long.parseLong(o.get("input-records"));
    boolean untilAllCommitted = Boolean.parseBoolean(o.get("until-all-committed"));
    Duration timeout = Duration.ofSeconds(Long.parseLong(o.get("timeout-seconds")));
    long memorySampleMillis = Long.parseLong(o.getOrDefault("memory-sample-ms", "0"));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("runner", runner);
    try {
      List<String> jobArgs = jobArgs(o);
      result.put("jobOptions", String.join(" ", jobArgs));
      System.out.println("job options: " + String.join(" ", jobArgs));
      FleetPipelineOptions options = PipelineOptionsFactory
          .fromArgs(jobArgs.toArray(new String[0])).as(FleetPipelineOptions.class);
      options.setStreaming(true);
      // run() would otherwise block for good: the sources are unbounded.
      options.as(DirectOptions.class).setBlockOnRun(false);
      Pipeline pipeline = Pipeline.create(options);
      FleetStreamProcessor.build(pipeline, options);

      try (Admin admin = BenchSupport.admin(bootstrap)) {
        long submitted = System.currentTimeMillis();
        JobCpu cpu = JobCpu.start();
        PipelineResult job = pipeline.run();
        CommittedProgress progress = new CommittedProgress(inputRecords, submitted,
            Double.parseDouble(o.get("window-start-fraction")),
            Double.parseDouble(o.get("window-end-fraction")),
            TimeUnit.SECONDS.toMillis(Long.parseLong(o.get("max-warmup-seconds"))),
            TimeUnit.SECONDS.toMillis(Long.parseLong(o.get("max-measure-seconds"))));
        JobMemory memory = memorySampleMillis > 0 ? JobMemory.sampleEvery(memorySampleMillis)
            : null;
        try {
          follow(admin, job, consumerGroup, progress, untilAllCommitted, submitted, timeout);
          // Before the cancel ends the task threads; per record committed so far (the DirectRunner is
          // stopped at its time cap, long before the whole input).
          result.put("cpu", cpu.measure(progress.newestCommitted()));
          if (memory != null) {
            // Every record is in the state now: its largest, with the job still running.
            result.put("memoryAtEnd", memory.afterFullGc());
            CheckpointFiles.newest(Path.of(o.get("work-dir")).resolve("checkpoints"))
                .ifPresent(newest -> result.put("newestCheckpointOnDisk", newest.toMap()));
          }
        } finally {
          result.put("jobStateAtEnd", String.valueOf(stateOf(job)));
          result.putAll(progress.toMap());
          if (memory != null) {
            memory.close();
            result.put("memory", memory.toMap());
          }
          job.cancel();
        }
        if (progress.stepsInWindow() < 2 || Double.isNaN(progress.eventsPerSecond())) {
          throw new IllegalStateException("the window holds " + progress.stepsInWindow()
              + " committed-offset step(s): too few for a rate; give more --events");
        }
      }
    } catch (Throwable t) {
      result.put("error", String.valueOf(t));
      t.printStackTrace();
    }
    BenchSupport.writeJson(Path.of(o.get("result")), result);
    // Flink's and Beam's non-daemon threads (mini cluster, Kafka clients) outlive the job.
    System.exit(result.containsKey("error") ? 1 : 0);
  }

  /** Polls the committed offsets until the window is closed (and, if asked, all committed). */
  private static void follow(Admin admin, PipelineResult job, String consumerGroup,
      CommittedProgress progress, boolean untilAllCommitted, long submitted, Duration timeout)
      throws Exception {
    long deadline = submitted + timeout.toMillis();
    long nextLine = submitted + PROGRESS_LINE_MILLIS;
    while (true) {
      long committed = committedInput(admin, consumerGroup);
      long now = System.currentTimeMillis();
      progress.observe(now, committed);
      if (progress.windowClosed() && (progress.complete() || !untilAllCommitted)) {
        return;
      }
      if (progress.complete()) {
        throw new IllegalStateException("every input record was committed before the window"
            + " closed: give more --events");
      }
      PipelineResult.State state = stateOf(job);
      if (state != null && state.isTerminal()) {
        throw new IllegalStateException("the job ended: " + state);
      }
      if (now > deadline) {
        throw new IllegalStateException("not done within " + timeout + ": " + committed
            + " input records committed");
      }
      if (now >= nextLine) {
        System.out.printf(Locale.ROOT, "%.0f s: %,d input records committed (%s)%n",
            (now - submitted) / 1000.0, committed, state);
        nextLine = now + PROGRESS_LINE_MILLIS;
      }
      Thread.sleep(POLL_MILLIS); // the poll interval of the offsets, not a wait for an event
    }
  }

  /** The job's committed offsets, summed over the partitions of the input topics. */
  static long committedInput(Admin admin, String consumerGroup) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(consumerGroup)
        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    long sum = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      if (e.getValue() != null && ThroughputInput.TOPICS.contains(e.getKey().topic())) {
        sum += e.getValue().offset();
      }
    }
    return sum;
  }

  private static PipelineResult.State stateOf(PipelineResult job) {
    try {
      return job.getState();
    } catch (RuntimeException e) {
      return null; // a detached Flink result may not know yet; the offsets tell the progress
    }
  }

  /** The measured stretch of the input: start-up and the last stragglers are left out. */
  static final double WINDOW_START_FRACTION = 0.1;
  static final double WINDOW_END_FRACTION = 0.9;

  /**
   * This main's options for one run of the job against {@code kafka} and {@code postgres} (its
   * consumer and sink group {@code group}, outputs on {@code topicPrefix}), measured between 10 %
   * and 90 % of {@code inputRecords}; the benches add their own (runner limits, extra options).
   */
  static List<String> runArgs(String runner, LocalKafka kafka, LocalPostgres postgres,
      String group, String topicPrefix, Path runDir, Path flinkConfDir, String stateBackend,
      long checkpointMillis, long inputRecords, long timeoutSeconds) {
    return new ArrayList<>(List.of(
        "--runner=" + runner,
        "--bootstrap=" + kafka.bootstrapServers(),
        "--jdbc-url=" + postgres.jdbcUrl(),
        "--jdbc-user=" + postgres.user(),
        "--jdbc-password=" + postgres.password(),
        "--consumer-group=" + group,
        "--sink-group=" + group,
        "--topic-prefix=" + topicPrefix,
        "--work-dir=" + runDir,
        "--flink-conf-dir=" + flinkConfDir.toAbsolutePath(),
        "--state-backend=" + stateBackend,
        "--checkpoint-interval-ms=" + checkpointMillis,
        "--input-records=" + inputRecords,
        "--window-start-fraction=" + WINDOW_START_FRACTION,
        "--window-end-fraction=" + WINDOW_END_FRACTION,
        "--timeout-seconds=" + timeoutSeconds));
  }

  /**
   * The production job's options with every use case on (their defaults), on Flink as {@code make
   * run} starts it, and every output on a topic of this run's own.
   */
  static List<String> jobArgs(Map<String, String> o) {
    String prefix = o.get("topic-prefix");
    List<String> args = new ArrayList<>();
    if (o.get("runner").equals("flink")) {
      String stateBackend = o.get("state-backend");
      args.addAll(BenchSupport.localFlinkJobArgs(Path.of(o.get("flink-conf-dir")),
          Long.parseLong(o.get("checkpoint-interval-ms")), stateBackend,
          Path.of(o.get("work-dir")).resolve("checkpoints")));
      // Default --exactlyOnceOutputs; a job from scratch needs a sink group of its own.
      args.add("--sinkGroupId=" + o.get("sink-group"));
    } else if (o.get("runner").equals("direct")) {
      // No Flink checkpoints to commit transactions with: every output at-least-once.
      args.addAll(List.of("--runner=DirectRunner", "--exactlyOnceOutputs="));
    } else {
      throw new IllegalArgumentException("--runner is flink or direct: " + o.get("runner"));
    }
    args.addAll(List.of(
        "--bootstrapServers=" + o.get("bootstrap"),
        "--consumerGroup=" + o.get("consumer-group"),
        "--jdbcUrl=" + o.get("jdbc-url"),
        "--jdbcUser=" + o.get("jdbc-user"),
        "--jdbcPassword=" + o.get("jdbc-password")));
    for (Map.Entry<String, String> output : outputTopics(prefix).entrySet()) {
      args.add("--" + output.getKey() + "=" + output.getValue());
    }
    // E.g. use cases switched off: space-separated job options, after the ones above.
    String more = o.getOrDefault("job-options", "").trim();
    if (!more.isEmpty()) {
      args.addAll(List.of(more.split("\\s+")));
    }
    return args;
  }

  /** Option name to topic, for every Kafka output of the job. */
  static Map<String, String> outputTopics(String prefix) {
    Map<String, String> topics = new LinkedHashMap<>();
    topics.put("deadLetterTopic", prefix + "dead-letter");
    topics.put("deduplicatedTelemetryTopic", prefix + "telemetry");
    topics.put("deduplicatedBookingTopic", prefix + "bookings");
    topics.put("inventoryTopic", prefix + "inventory");
    topics.put("enrichedTelemetryTopic", prefix + "enriched");
    topics.put("alertsTopic", prefix + "alerts");
    topics.put("demandWindowsTopic", prefix + "windows");
    topics.put("locationMetricsTopic", prefix + "metrics");
    return topics;
  }

  private TopologyRun() {}
}
