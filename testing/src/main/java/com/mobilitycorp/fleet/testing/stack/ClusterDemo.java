package com.mobilitycorp.fleet.testing.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code make cluster-demo}'s driver (testing/scripts/cluster-demo.sh starts Kafka, PostgreSQL and
 * the simulated fleet first): starts a {@link LocalFlinkCluster}, submits the job jar with {@code
 * flink run -d}, shows it processing, takes a savepoint, cancels the job, resubmits it from the
 * savepoint and checks that the outputs keep flowing and that the new job continued from the
 * savepoint's state instead of starting over. Prints each step; exits non-zero on a failure.
 *
 * <p>Options ({@code --name=value}): job-jar, bootstrap-servers, jdbc-url, jdbc-user,
 * jdbc-password, work-dir (.local/flink), classpath-file (flink-cluster/target/classpath.txt),
 * config (flink-conf/cluster/flink-conf.yaml), rest-port (18081), parallelism (4),
 * observe-seconds (30); arguments after {@code --} go to the job.
 */
public final class ClusterDemo {
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> WATCHED_TOPICS =
      List.of(FleetTopics.TELEMETRY_DEDUPLICATED, FleetTopics.INVENTORY_UPDATES, FleetTopics.ALERTS,
          FleetTopics.TELEMETRY_ENRICHED);

  private final LocalFlinkCluster cluster;
  private final String bootstrapServers;
  private final String jdbcUrl;
  private final String jdbcUser;
  private final String jdbcPassword;
  private final KafkaConsumer<String, String> offsets;

  private ClusterDemo(LocalFlinkCluster cluster, String bootstrapServers, String jdbcUrl,
      String jdbcUser, String jdbcPassword) {
    this.cluster = cluster;
    this.bootstrapServers = bootstrapServers;
    this.jdbcUrl = jdbcUrl;
    this.jdbcUser = jdbcUser;
    this.jdbcPassword = jdbcPassword;
    this.offsets = consumer();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>(Map.of(
        "work-dir", ".local/flink", "classpath-file", "flink-cluster/target/classpath.txt",
        "config", "flink-conf/cluster/flink-conf.yaml", "rest-port", "18081", "parallelism", "4",
        "observe-seconds", "30", "jdbc-user", "postgres", "jdbc-password", "postgres"));
    List<String> jobArgs = new ArrayList<>();
    boolean forJob = false;
    for (String arg : args) {
      if (forJob) {
        jobArgs.add(arg);
      } else if (arg.equals("--")) {
        forJob = true;
      } else if (arg.startsWith("--") && arg.contains("=")) {
        opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      } else {
        System.err.println("unknown argument " + arg + " (see ClusterDemo's javadoc)");
        System.exit(2);
      }
    }
    for (String required : List.of("job-jar", "bootstrap-servers", "jdbc-url")) {
      if (!opts.containsKey(required)) {
        System.err.println("missing --" + required + "=...");
        System.exit(2);
      }
    }
    try {
      run(opts, jobArgs);
      System.exit(0);
    } catch (RuntimeException | AssertionError e) {
      step("FAILED: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(Map<String, String> opts, List<String> extraJobArgs) throws Exception {
    Path jar = Paths.get(opts.get("job-jar")).toAbsolutePath();
    int parallelism = Integer.parseInt(opts.get("parallelism"));
    Duration observe = Duration.ofSeconds(Long.parseLong(opts.get("observe-seconds")));

    step("Starting a Flink 1.19 session cluster: 1 JobManager + 2 TaskManagers (2 slots each), "
        + "separate JVMs, config derived from " + opts.get("config"));
    long t0 = System.nanoTime();
    LocalFlinkCluster cluster = LocalFlinkCluster.start(
        Paths.get(opts.get("work-dir")), Paths.get(opts.get("classpath-file")), Paths.get(opts.get("config")),
        LocalFlinkCluster.Settings.defaults().withRestPort(Integer.parseInt(opts.get("rest-port"))));
    step(String.format("Cluster ready in %.1f s: %s (web UI), %s; logs in %s", seconds(t0),
        cluster.restUrl(), cluster.rest("/overview"), cluster.logsDir()));
    ClusterDemo demo = new ClusterDemo(cluster, opts.get("bootstrap-servers"), opts.get("jdbc-url"),
        opts.get("jdbc-user"), opts.get("jdbc-password"));

    List<String> jobArgs = new ArrayList<>(List.of(
        "--runner=FlinkRunner", "--streaming=true",
        "--bootstrapServers=" + opts.get("bootstrap-servers"),
        "--jdbcUrl=" + opts.get("jdbc-url"), "--jdbcUser=" + opts.get("jdbc-user"),
        "--jdbcPassword=" + opts.get("jdbc-password")));
    jobArgs.addAll(extraJobArgs);
    FlinkCli flink = cluster.cli();
    // Only this run's output counts: the stack keeps earlier runs' records on the topics.
    Map<TopicPartition, Long> startOffsets = demo.endOffsets(FleetTopics.TELEMETRY_DEDUPLICATED);

    // 1. Submit.
    step("flink run -d -p " + parallelism + " " + jar.getFileName() + " " + redacted(jobArgs));
    t0 = System.nanoTime();
    String job = flink.run(jar, parallelism, null, jobArgs);
    step(String.format("Submitted job %s in %.1f s; waiting for all its tasks to run", job, seconds(t0)));
    cluster.awaitJobRunning(job, STEP_TIMEOUT);
    step(String.format("Job %s RUNNING (%.1f s after submission)", job, seconds(t0)));
    Instant firstStart = Instant.now();
    Map<String, Long> before = demo.counts();
    demo.observe(job, observe, () -> {
      Map<String, Long> now = demo.counts();
      return cluster.completedCheckpoints(job) > 0
          && now.get(FleetTopics.INVENTORY_UPDATES) > before.get(FleetTopics.INVENTORY_UPDATES)
          && demo.rowsUpdatedSince(firstStart) > 0;
    }, "a completed checkpoint, new inventory updates and available_vehicles rows written");

    // 2. Savepoint, then cancel.
    long dedupBeforeSavepoint = demo.counts().get(FleetTopics.TELEMETRY_DEDUPLICATED);
    step("flink savepoint " + job + " " + cluster.savepointsDir().toUri());
    t0 = System.nanoTime();
    String savepoint = flink.savepoint(job, cluster.savepointsDir());
    step(String.format("Savepoint completed in %.1f s: %s", seconds(t0), savepoint));
    step("flink cancel " + job);
    flink.cancel(job);
    cluster.awaitJobState(job, "CANCELED", STEP_TIMEOUT);
    Map<String, Long> atCancel = demo.counts();
    long writtenAfterSavepoint = atCancel.get(FleetTopics.TELEMETRY_DEDUPLICATED) - dedupBeforeSavepoint;
    step("Job " + job + " CANCELED; outputs so far " + atCancel + " (" + writtenAfterSavepoint
        + " telemetry records written after the savepoint was triggered: the restored job may write"
        + " those again, the sink is at-least-once)");

    // 3. Resubmit from the savepoint.
    step("flink run -d -p " + parallelism + " -s " + savepoint + " " + jar.getFileName() + " ...");
    t0 = System.nanoTime();
    String restored = flink.run(jar, parallelism, savepoint, jobArgs);
    cluster.awaitJobRunning(restored, STEP_TIMEOUT);
    Instant restart = Instant.now();
    String from = cluster.restoredFrom(restored);
    step(String.format("Job %s RUNNING %.1f s after submission; REST says restored from %s", restored,
        seconds(t0), from));
    if (from == null || !samePath(from, savepoint)) {
      throw new AssertionError("the new job did not restore the savepoint " + savepoint + " (restored: " + from + ")");
    }
    demo.observe(restored, observe, () -> {
      Map<String, Long> now = demo.counts();
      return cluster.completedCheckpoints(restored) > 0
          && now.get(FleetTopics.INVENTORY_UPDATES) > atCancel.get(FleetTopics.INVENTORY_UPDATES)
          && now.get(FleetTopics.TELEMETRY_DEDUPLICATED) > atCancel.get(FleetTopics.TELEMETRY_DEDUPLICATED)
          && demo.rowsUpdatedSince(restart) > 0;
    }, "a checkpoint of the restored job, new telemetry and inventory updates, available_vehicles rows"
        + " written after the restart");

    // 4. Did it continue rather than start over?
    step("Reading " + FleetTopics.TELEMETRY_DEDUPLICATED + " back to count telemetry written twice...");
    long[] totalAndDistinct = demo.eventIds(startOffsets);
    long twice = totalAndDistinct[0] - totalAndDistinct[1];
    step(String.format("This run wrote %,d records, %,d distinct event ids: %,d written twice (bound: %,d written after"
            + " the savepoint). A job that started over would have re-read everything since its"
            + " last committed offset with empty de-duplication state.",
        totalAndDistinct[0], totalAndDistinct[1], twice, writtenAfterSavepoint));
    if (twice > writtenAfterSavepoint) {
      throw new AssertionError(twice + " telemetry records written twice, more than the "
          + writtenAfterSavepoint + " written between savepoint and cancel");
    }

    step("Cluster demo passed. Cancelling job " + restored + " and stopping the cluster.");
    flink.cancel(restored);
    cluster.awaitJobState(restored, "CANCELED", STEP_TIMEOUT);
    cluster.close();
  }

  /** Prints progress every 5 s for at least {@code minimum} and until {@code done} holds. */
  private void observe(String job, Duration minimum, BooleanSupplier done, String what) throws Exception {
    long start = System.nanoTime();
    long deadline = start + STEP_TIMEOUT.toNanos();
    Map<String, Long> previous = counts();
    while (true) {
      Thread.sleep(PROGRESS_EVERY.toMillis()); // a progress line's pace, not synchronisation
      Map<String, Long> now = counts();
      StringBuilder line = new StringBuilder(String.format("  [%s] %s, checkpoints %d |",
          LocalTime.now().truncatedTo(ChronoUnit.SECONDS), cluster.jobState(job),
          cluster.completedCheckpoints(job)));
      for (String topic : WATCHED_TOPICS) {
        line.append(String.format(" %s %,d (+%,d)", topic, now.get(topic), now.get(topic) - previous.get(topic)));
      }
      line.append(String.format(" | available_vehicles rows %,d", rows()));
      System.out.println(line);
      previous = now;
      if (!"RUNNING".equals(cluster.jobState(job))) {
        throw new AssertionError("job " + job + " is " + cluster.jobState(job) + ": " + cluster.exceptions(job));
      }
      boolean longEnough = System.nanoTime() - start >= minimum.toNanos();
      if (longEnough && done.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + STEP_TIMEOUT);
      }
    }
  }

  /** Records per watched topic: the sum of its partitions' end offsets (no transactions here). */
  private Map<String, Long> counts() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (String topic : WATCHED_TOPICS) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : offsets.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      counts.put(topic, offsets.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum());
    }
    return counts;
  }

  private Map<TopicPartition, Long> endOffsets(String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo p : offsets.partitionsFor(topic)) {
      partitions.add(new TopicPartition(topic, p.partition()));
    }
    return offsets.endOffsets(partitions);
  }

  /** {records, distinct event_id values} from {@code start} (offset per partition) to the end. */
  private long[] eventIds(Map<TopicPartition, Long> start) throws Exception {
    try (KafkaConsumer<String, String> reader = consumer()) {
      reader.assign(start.keySet());
      start.forEach(reader::seek);
      Map<TopicPartition, Long> end = reader.endOffsets(start.keySet());
      Set<String> ids = new HashSet<>();
      long total = 0;
      long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
      while (end.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())) {
        for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(500))) {
          total++;
          ids.add(JSON.readTree(r.value()).path("event_id").asText());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("cannot read " + start.keySet().iterator().next().topic() + " to its end " + end);
        }
      }
      return new long[] {total, ids.size()};
    }
  }

  private long rows() {
    return query("SELECT count(*) FROM available_vehicles", null);
  }

  private long rowsUpdatedSince(Instant since) {
    return query("SELECT count(*) FROM available_vehicles WHERE updated_at > ?", since);
  }

  private long query(String sql, Instant since) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
        java.sql.PreparedStatement s = c.prepareStatement(sql)) {
      if (since != null) {
        s.setTimestamp(1, Timestamp.from(since));
      }
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private KafkaConsumer<String, String> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  /** The REST API spells paths file:/x, the CLI file:/x or file:///x. */
  static boolean samePath(String a, String b) {
    return strip(a).equals(strip(b));
  }

  private static String strip(String path) {
    return path.replaceFirst("^file:/*", "/").replaceAll("/+$", "");
  }

  private static String redacted(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      out.add(a.startsWith("--jdbcPassword=") ? "--jdbcPassword=***" : a);
    }
    return String.join(" ", out);
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private static void step(String text) {
    System.out.println("[" + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + text);
  }
}
