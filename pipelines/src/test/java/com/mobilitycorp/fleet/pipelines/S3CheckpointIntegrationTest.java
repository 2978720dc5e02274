package com.mobilitycorp.fleet.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalS3;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints to a real S3 API: the job keeps RocksDB state and checkpoints in {@code
 * s3://<bucket>/checkpoints} on LocalS3 (S3Proxy) through Flink's S3 filesystem plugin
 * (flink-s3-fs-presto), is cancelled, and a second job restored from the newest retained
 * checkpoint in S3 carries on: across both runs every event is published exactly once
 * (read_committed), resends in the second batch of events first seen in the first batch are still
 * dropped (the dedup state came back from S3), and the second job reads only the second batch (its
 * Kafka offsets came back too). Only decode, dedup and dead letters run: no database needed.
 */
class S3CheckpointIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(4);
  private static final String BUCKET = "fleet-checkpoints";
  private static final String CHECKPOINTS = "checkpoints";
  /** {@code checkpoints/<job id>/chk-<n>/_metadata}: written last, so the checkpoint is complete. */
  private static final Pattern COMPLETED =
      Pattern.compile(CHECKPOINTS + "/([0-9a-f]{32})/chk-(\\d+)/_metadata");

  static {
    // Flink's checkpoint coordinator logs each completed checkpoint's size and duration at INFO
    // (the test log level is warn); S3-NOTES.md quotes them. Read when Flink's logger is created.
    System.setProperty(
        "org.slf4j.simpleLogger.log.org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
        "info");
  }

  @TempDir static Path workDir;
  private static LocalKafka kafka;
  private static LocalS3 s3;
  private static Path flinkConf;

  @BeforeAll
  static void startStack() throws Exception {
    // The AWS SDK's last resort for credentials is the EC2 metadata address, never a target here.
    System.setProperty("com.amazonaws.sdk.disableEc2Metadata", "true");
    kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
    kafka.createTopics(FleetTopics.all());
    s3 = LocalS3.start(workDir.resolve("s3"), BUCKET);
    flinkConf = FlinkS3.writeFlinkConf(workDir.resolve("flink-conf"), s3);
    FlinkS3.initialize(flinkConf);
  }

  @AfterAll
  static void stopStack() {
    FlinkS3.reset();
    if (kafka != null) {
      kafka.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void jobRestoredFromAnS3CheckpointContinuesWithEveryEventExactlyOnce() throws Exception {
    SimulatorConfig config =
        SimulatorConfig.builder()
            .seed(2026_12_07L)
            .vehicleCount(80)
            .locationCount(8)
            .start(yesterdayMorningRush())
            .duration(org.joda.time.Duration.standardMinutes(30))
            .bookingsPerVehiclePerDay(24)
            .duplicateRate(0.05)
            .bookingDuplicateRate(0.05)
            .outOfOrderRate(0.10)
            .lateRate(0)
            .malformedRate(0.005)
            .build();
    List<SimulatedMessage> messages = new ArrayList<>();
    new FleetSimulator(config).messages().forEachRemaining(messages::add);
    // Two batches in delivery order, the second fed only to the restored job.
    List<SimulatedMessage> first = messages.subList(0, messages.size() / 2);
    List<SimulatedMessage> second = messages.subList(messages.size() / 2, messages.size());

    Batch one = new Batch(first, Set.of());
    Batch two = new Batch(second, one.seenIds);
    assertThat("resends in batch 2 of events first seen in batch 1", two.resendsOfEarlierBatch,
        greaterThan(0));
    assertThat("malformed records in each batch", Math.min(one.malformed, two.malformed),
        greaterThan(2));
    System.out.printf(
        "input: %d messages; batch 1: %d decodable, %d malformed; batch 2: %d decodable (%d resends"
            + " of batch 1's events), %d malformed%n",
        messages.size(), one.decodable, one.malformed, two.decodable, two.resendsOfEarlierBatch,
        two.malformed);
    Set<String> expectedTelemetry = union(one.telemetryIds, two.telemetryIds);
    Set<String> expectedBookings = union(one.bookingIds, two.bookingIds);
    Map<String, String> expectedDeadLetters = new TreeMap<>();
    String sinkGroup = "it-s3-" + UUID.randomUUID(); // the same for both runs: one sink identity

    try (KafkaTopicReader reader =
        new KafkaTopicReader(
            kafka.bootstrapServers(),
            List.of(FleetTopics.TELEMETRY_DEDUPLICATED, FleetTopics.BOOKINGS_DEDUPLICATED,
                FleetTopics.DEAD_LETTER))) {
      // Run 1: batch 1, until its output is committed and a checkpoint after it is in S3.
      expectedDeadLetters.putAll(produce(first));
      long started = System.nanoTime();
      PipelineResult job1 = run(sinkGroup, flinkConf, null);
      String jobId1;
      try {
        reader.pollUntil(
            () -> containsAll(reader.records(FleetTopics.TELEMETRY_DEDUPLICATED), one.telemetryIds)
                && containsAll(reader.records(FleetTopics.BOOKINGS_DEDUPLICATED), one.bookingIds)
                && reader.records(FleetTopics.DEAD_LETTER).size() >= one.malformed,
            TIMEOUT, "batch 1's output");
        System.out.printf("run 1: batch 1's output committed after %.1f s%n", seconds(started));
        // The checkpoint completed now covers at most what the job had read so far; one started
        // after it covers all of batch 1 (every record of it has been read and published).
        long afterOutput = newestCompleted().map(c -> c.number).orElse(0L);
        await(
            () -> completed().size() >= 2
                && newestCompleted().map(c -> c.number > afterOutput + 1).orElse(false),
            "two completed checkpoints in S3, the newest started after batch 1's output");
      } finally {
        job1.cancel();
      }
      awaitEnded(job1, "run 1");
      // Chosen after the cancel: until then a newer checkpoint could subsume (delete) it.
      Checkpoint restoreFrom = newestCompleted().orElseThrow();
      jobId1 = restoreFrom.jobId;
      System.out.println("run 1 cancelled; checkpoints in S3: " + describeCheckpoints());
      // Its operators' metrics leave JMX with the job; run 2's counters must start from zero.
      await(() -> countersOf(jobId1).isEmpty(), "run 1's metrics unregistered");

      // Run 2: restored from the S3 checkpoint, same sink group, batch 2. Beam hands
      // --savepointPath to Flink only when it submits to a cluster (flinkMaster host:port); on the
      // embedded cluster ([local]) it is ignored and the job would silently start from scratch.
      // Flink's own key in the configuration the local environment is built from restores it.
      String checkpointUri = s3.uri(restoreFrom.path());
      Path restoreConf = FlinkS3.writeFlinkConf(workDir.resolve("flink-conf-restore"), s3,
          "execution.savepoint.path: " + checkpointUri);
      PipelineResult job2 = run(sinkGroup, restoreConf, checkpointUri);
      AtomicReference<String> jobId2 = new AtomicReference<>();
      Map<String, Long> counters2;
      try {
        expectedDeadLetters.putAll(produce(second));
        // Every expected id, not a count: extra copies must not make up for missing records.
        reader.pollUntil(
            () -> containsAll(reader.records(FleetTopics.TELEMETRY_DEDUPLICATED), expectedTelemetry)
                && containsAll(reader.records(FleetTopics.BOOKINGS_DEDUPLICATED), expectedBookings)
                && reader.records(FleetTopics.DEAD_LETTER).size() >= expectedDeadLetters.size(),
            TIMEOUT, "both batches' output");
        // Run 2 checkpoints to S3 as well, under its own job id.
        AtomicReference<Checkpoint> firstOfRun2 = new AtomicReference<>();
        await(
            () -> {
              completed().stream().filter(c -> !c.jobId.equals(jobId1)).findFirst()
                  .ifPresent(firstOfRun2::set);
              return firstOfRun2.get() != null;
            },
            "a checkpoint of run 2 in S3");
        jobId2.set(firstOfRun2.get().jobId);
        // A restored job numbers its checkpoints on from the one it restored; a fresh one from 1.
        assertThat("run 2's checkpoints continue run 1's numbering", firstOfRun2.get().number,
            greaterThan(restoreFrom.number));
        // Counters reach Flink's metrics when a bundle finishes: wait for batch 2's count.
        await(
            () -> decoded(countersOf(jobId2.get())) >= two.decodable,
            "run 2's decode counters to cover batch 2");
        counters2 = countersOf(jobId2.get());
      } finally {
        job2.cancel();
      }
      awaitEnded(job2, "run 2");
      System.out.println("run 2 (" + jobId2.get() + ") counters: " + counters2);
      System.out.println("checkpoints in S3 at the end: " + describeCheckpoints());
      reader.readToEnd(Duration.ofSeconds(30)); // a second copy of anything would show here

      // Nothing lost, nothing twice, across the cancel and the restore.
      assertThat(FleetTopics.TELEMETRY_DEDUPLICATED,
          differences(eventIds(reader.records(FleetTopics.TELEMETRY_DEDUPLICATED)),
              expectedTelemetry, one.telemetryIds),
          is(""));
      assertThat(FleetTopics.BOOKINGS_DEDUPLICATED,
          differences(eventIds(reader.records(FleetTopics.BOOKINGS_DEDUPLICATED)),
              expectedBookings, one.bookingIds),
          is(""));
      assertThat(deadLetterOrigins(reader.records(FleetTopics.DEAD_LETTER)),
          equalTo(expectedDeadLetters));

      // Not from scratch: run 2 decoded exactly batch 2 (restored Kafka offsets; batch 1 again
      // would double the count) and dropped every resend in it, including those of events only
      // batch 1 had (restored dedup state).
      assertThat("records run 2 decoded", decoded(counters2), is((long) two.decodable));
      assertThat("resends run 2 dropped", counters2.getOrDefault("duplicates_dropped", 0L),
          is((long) two.resends()));
      assertThat(jobId2.get(), not(jobId1));
    }
  }

  /** One batch of input and what the job must make of it, given the ids seen before it. */
  private static final class Batch {
    final Set<String> telemetryIds = new HashSet<>(); // first seen in this batch
    final Set<String> bookingIds = new HashSet<>();
    final Set<String> seenIds = new HashSet<>(); // topic/id, up to and including this batch
    int decodable; // originals and resends: what the decoder counts
    int malformed;
    int resendsOfEarlierBatch;

    Batch(List<SimulatedMessage> messages, Set<String> seenBefore) {
      seenIds.addAll(seenBefore);
      for (SimulatedMessage message : messages) {
        if (message.kind() == SimulatedMessage.Kind.MALFORMED) {
          malformed++;
          continue;
        }
        if (!message.isTelemetry() && !message.isBooking()) {
          continue; // weather: not read with the weather join off
        }
        decodable++;
        String key = message.topic() + "/" + message.eventId();
        if (seenIds.add(key)) {
          (message.isTelemetry() ? telemetryIds : bookingIds).add(message.eventId());
        } else if (seenBefore.contains(key)) {
          resendsOfEarlierBatch++;
        }
      }
    }

    /** Records of ids already seen (in this batch or before): the dedup stage drops them. */
    int resends() {
      return decodable - telemetryIds.size() - bookingIds.size();
    }
  }

  /** A completed checkpoint in the bucket. */
  private record Checkpoint(String jobId, long number) {
    String path() {
      return CHECKPOINTS + "/" + jobId + "/chk-" + number;
    }
  }

  private static List<Checkpoint> completed() {
    List<Checkpoint> found = new ArrayList<>();
    for (String key : s3.list(CHECKPOINTS + "/").keySet()) {
      Matcher m = COMPLETED.matcher(key);
      if (m.matches()) {
        found.add(new Checkpoint(m.group(1), Long.parseLong(m.group(2))));
      }
    }
    return found;
  }

  private static java.util.Optional<Checkpoint> newestCompleted() {
    return completed().stream().max(java.util.Comparator.comparingLong(Checkpoint::number));
  }

  /** Per job and checkpoint directory: objects and bytes (shared/ holds RocksDB's files). */
  private static String describeCheckpoints() {
    long started = System.nanoTime();
    Map<String, long[]> dirs = new TreeMap<>();
    s3.list(CHECKPOINTS + "/").forEach((key, size) -> {
      String[] parts = key.split("/");
      String dir = parts.length > 3 ? parts[1].substring(0, 8) + "/" + parts[2] : key;
      long[] agg = dirs.computeIfAbsent(dir, d -> new long[2]);
      agg[0]++;
      agg[1] += size;
    });
    StringBuilder out = new StringBuilder(String.format("(listed in %.3f s)", seconds(started)));
    dirs.forEach((dir, agg) -> out.append(String.format("%n  %s: %d objects, %d bytes", dir, agg[0], agg[1])));
    return out.toString();
  }

  private static PipelineResult run(String sinkGroup, Path confDir, String savepointPath) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=2",
                "--attachedMode=false",
                "--flinkConfDir=" + confDir,
                "--checkpointingInterval=1000",
                "--stateBackend=rocksdb",
                "--stateBackendStoragePath=" + s3.uri(CHECKPOINTS),
                "--sinkGroupId=" + sinkGroup,
                // The outputs this test checks, in Kafka transactions: exactly once across the
                // cancel and the restore, not just at least once.
                "--exactlyOnceOutputs=deduplicatedTelemetry,deduplicatedBookings,deadLetters",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--consumerGroup=s3-checkpoint-it",
                // The events are from yesterday. While no input arrives (between the runs), the
                // watermark of idle partitions moves to wall-clock time minus the disorder
                // (CustomTimestampPolicyWithLimitedDelay), and with the default 10-minute horizon
                // every remembered id would expire before batch 2. Two days keep them all, so the
                // resends in batch 2 of batch 1's events test the state restored from S3.
                "--dedupHorizon=PT48H",
                "--inventoryEnabled=false",
                "--demandSpikesEnabled=false",
                "--utilizationEnabled=false",
                "--weatherJoinEnabled=false",
                "--lowBatteryAlertsEnabled=false",
                "--geofenceAlertsEnabled=false",
                "--batteryDrainAlertsEnabled=false"));
    if (savepointPath != null) {
      args.add("--savepointPath=" + savepointPath); // what a job submitted to a cluster uses
    }
    FleetPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(FleetPipelineOptions.class);
    options.setStreaming(true);
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    return pipeline.run();
  }

  /**
   * Sends the messages and waits until Kafka acknowledged every one; returns where each malformed
   * record landed (topic/partition@offset) with the dead letter it must become.
   */
  private static Map<String, String> produce(List<SimulatedMessage> messages) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "900000"); // a busy broker, see AcknowledgedProducer
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    Map<Future<RecordMetadata>, SimulatedMessage> malformed = new HashMap<>();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (SimulatedMessage message : messages) {
        Future<RecordMetadata> future =
            producer.send(new ProducerRecord<>(message.topic(), message.key(), message.payload()));
        sent.add(future);
        if (message.kind() == SimulatedMessage.Kind.MALFORMED) {
          malformed.put(future, message);
        }
      }
      producer.flush();
    }
    for (Future<RecordMetadata> future : sent) {
      future.get(); // throws if Kafka did not take the record: a lost input is not the job's fault
    }
    Map<String, String> deadLetters = new TreeMap<>();
    for (Map.Entry<Future<RecordMetadata>, SimulatedMessage> m : malformed.entrySet()) {
      RecordMetadata at = m.getKey().get();
      deadLetters.put(
          at.topic() + "/" + at.partition() + "@" + at.offset(),
          m.getValue().expectedReason().name().toLowerCase() + " " + m.getValue().payload());
    }
    return deadLetters;
  }

  /**
   * The Beam counters of one Flink job in this JVM, by name, summed over operators and subtasks
   * (Flink's JMX reporter, configured in flink-conf/local; the MBeans carry the job id).
   */
  private static Map<String, Long> countersOf(String jobId) {
    Map<String, Long> counters = new TreeMap<>();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      ObjectName pattern =
          new ObjectName("org.apache.flink.taskmanager.job.task.operator.com.mobilitycorp.*:*");
      for (ObjectName name : server.queryNames(pattern, null)) {
        if (!jobId.equals(name.getKeyProperty("job_id"))) {
          continue;
        }
        Object count = server.getAttribute(name, "Count");
        if (count instanceof Number) {
          String metric = name.getDomain().substring("org.apache.flink.taskmanager.job.task.operator.".length());
          counters.merge(JobProgress.counterName(metric), ((Number) count).longValue(), Long::sum);
        }
      }
    } catch (JMException e) {
      throw new IllegalStateException("cannot read Flink's metrics over JMX", e);
    }
    return counters;
  }

  private static long decoded(Map<String, Long> counters) {
    return counters.getOrDefault("decoded_" + FleetTopics.VEHICLE_EVENTS_RAW, 0L)
        + counters.getOrDefault("decoded_" + FleetTopics.DOMAIN_EVENTS, 0L);
  }

  /**
   * Waits until a cancelled job is gone: its state is CANCELLED, or its embedded cluster has shut
   * down, which the local environment does once its job has ended (getState then throws).
   */
  private static void awaitEnded(PipelineResult job, String what) throws InterruptedException {
    await(
        () -> {
          try {
            return job.getState().isTerminal();
          } catch (IllegalStateException clusterShutDown) {
            return true;
          }
        },
        what + " cancelled");
  }

  /** Polls {@code done} every 500 ms until it holds; fails after {@link #TIMEOUT}. */
  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what
            + "; checkpoints in S3: " + describeCheckpoints());
      }
      Thread.sleep(500); // polling interval, not synchronisation: the loop re-checks
    }
  }

  private static Map<String, String> deadLetterOrigins(List<ConsumerRecord<String, String>> records)
      throws Exception {
    Map<String, String> origins = new TreeMap<>();
    for (ConsumerRecord<String, String> record : records) {
      JsonNode d = JSON.readTree(record.value());
      String origin = d.get("source_topic").asText() + "/" + d.get("source_partition").asInt()
          + "@" + d.get("source_offset").asLong();
      String previous = origins.put(origin, d.get("reason").asText() + " " + d.get("payload").asText());
      assertThat("one dead letter per rejected record: " + origin, previous, is((String) null));
    }
    return origins;
  }

  /** Event ids in output order, sorted: equal to the sorted expected set iff each is there once. */
  private static List<String> eventIds(List<ConsumerRecord<String, String>> records) throws Exception {
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<String, String> record : records) {
      ids.add(JSON.readTree(record.value()).get("event_id").asText());
    }
    ids.sort(null);
    return ids;
  }

  /**
   * "" when {@code actual} holds every expected id exactly once; else what is missing, twice or
   * unexpected (a few of each, with the batch each expected id was first sent in).
   */
  private static String differences(List<String> actual, Set<String> expected, Set<String> batch1) {
    Map<String, Integer> copies = new TreeMap<>();
    actual.forEach(id -> copies.merge(id, 1, Integer::sum));
    List<String> missing = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    for (String id : expected) {
      int n = copies.getOrDefault(id, 0);
      String where = id + (batch1.contains(id) ? " (batch 1)" : " (batch 2)");
      if (n == 0) {
        missing.add(where);
      } else if (n > 1) {
        twice.add(where + " x" + n);
      }
    }
    copies.keySet().stream().filter(id -> !expected.contains(id)).forEach(unexpected::add);
    if (missing.isEmpty() && twice.isEmpty() && unexpected.isEmpty()) {
      return "";
    }
    return String.format("%d missing %s; %d more than once %s; %d unexpected %s",
        missing.size(), first(missing), twice.size(), first(twice), unexpected.size(),
        first(unexpected));
  }

  private static boolean containsAll(List<ConsumerRecord<String, String>> records, Set<String> ids) {
    if (records.size() < ids.size()) {
      return false; // cheap: no parsing until enough records are there
    }
    try {
      return new HashSet<>(eventIds(records)).containsAll(ids);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable output record", e);
    }
  }

  private static List<String> first(List<String> list) {
    return list.subList(0, Math.min(10, list.size()));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    assertThat("ids are first seen in one batch only", all.size(), is(a.size() + b.size()));
    return all;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static Instant yesterdayMorningRush() {
    java.time.Instant today = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    return new Instant(today.minus(java.time.Duration.ofHours(17)).toEpochMilli());
  }
}
