package com.mobilitycorp.fleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.pipelines.FleetPipelineOptions;
import com.mobilitycorp.fleet.pipelines.FleetStreamProcessor;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import com.mobilitycorp.fleet.transforms.DetectLowBattery;
import com.mobilitycorp.fleet.transforms.DetectLowBatteryModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.joda.time.Instant;

/**
 * One run of the latency sweep ({@link LatencySweepBench}) in a JVM of its own: a fresh broker and
 * PostgreSQL, the whole topology on FlinkRunner [local] (parallelism 2, RocksDB, the given
 * checkpoint interval, default exactly-once outputs), a {@link LiveFleet} paced at the rate, and
 * in the same run three clocks, each from the broker's ack (acks=all) of the input:
 *
 * <ul>
 *   <li>{@code returnToInventory}: a measured return_completed → the first record on {@code
 *       veh.inventory.updates} that frees that vehicle (another booking or none, {@code as_of} at
 *       or after the return) read by a read_committed consumer (polls of 5 ms);
 *   <li>{@code returnToAvailableVehicles}: the same return → the first poll (every 10 ms) of
 *       PostgreSQL's {@code available_vehicles} that sees the row freed;
 *   <li>{@code telemetryToAlert}: the reading that starts a low-battery episode → its LOW_BATTERY
 *       alert on {@code alerts} read by a read_committed consumer, i.e. after the checkpoint that
 *       commits its transaction ({@link AlertLatencies} pairs them); which alerts were due comes
 *       from {@link DetectLowBatteryModel} fed the same stream.
 * </ul>
 *
 * Only returns of bookings whose start the job was sent are measured (a guard: the simulated fleet
 * starts with every vehicle parked, so all are): a return of a booking the job never saw would
 * change nothing the inventory knows. Every 500 ms the job's
 * consumer lag is sampled, to tell whether it kept up ({@link KeptUp}). Writes the result as JSON
 * to {@code --result}.
 */
public final class LatencyRun {

  static final String RETURN_TO_INVENTORY = "returnToInventory";
  static final String RETURN_TO_TABLE = "returnToAvailableVehicles";
  static final String TELEMETRY_TO_ALERT = "telemetryToAlert";
  static final List<String> PATHS = List.of(RETURN_TO_INVENTORY, RETURN_TO_TABLE,
      TELEMETRY_TO_ALERT);

  private static final String CONSUMER_GROUP = "latency-bench";
  private static final long TABLE_POLL_MILLIS = 10;
  private static final long LAG_SAMPLE_MILLIS = 500;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A measured return; each clock stops once (0 until then). */
  private static final class PendingReturn {
    final String bookingId;
    final long eventTimeMillis;
    final AtomicLong ackedAt = new AtomicLong();
    final AtomicLong inventorySeenAt = new AtomicLong();
    final AtomicLong tableSeenAt = new AtomicLong();

    PendingReturn(String bookingId, long eventTimeMillis) {
      this.bookingId = bookingId;
      this.eventTimeMillis = eventTimeMillis;
    }

    boolean freedBy(String bookingIdNow, long asOfMillis) {
      return !bookingId.equals(bookingIdNow) && asOfMillis >= eventTimeMillis;
    }
  }

  private final Map<String, String> o;
  private final Map<String, PendingReturn> pendingByVehicle = new ConcurrentHashMap<>();
  private final List<PendingReturn> measuredReturns = new CopyOnWriteArrayList<>();
  private final AlertLatencies alertClock = new AlertLatencies();
  private final List<KeptUp.LagSample> lagSamples = new CopyOnWriteArrayList<>();
  /** Measured returns left out because the job was not sent their booking's start (0 so far). */
  private final AtomicLong returnsOfBookingsBeforeHistory = new AtomicLong();
  private final AtomicReference<Throwable> watcherFailure = new AtomicReference<>();
  private volatile boolean stopped;

  private LatencyRun(Map<String, String> options) {
    this.o = options;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = BenchSupport.parseOptions(args);
    exitThroughShutdownHooks(Long.parseLong(o.get("deadline-seconds")));
    Map<String, Object> result = new LinkedHashMap<>();
    try {
      result.putAll(new LatencyRun(o).run());
    } catch (Throwable t) {
      result.put("error", String.valueOf(t));
      t.printStackTrace();
    }
    BenchSupport.writeJson(Path.of(o.get("result")), result);
    // Flink's and Beam's non-daemon threads (mini cluster, Kafka clients) outlive the job.
    System.exit(result.containsKey("error") ? 1 : 0);
  }

  /**
   * The run's broker and PostgreSQL are children of this JVM, stopped by its shutdown hooks: so it
   * exits (not halts) if the bench dies, and ends itself at its deadline rather than being
   * killed outright by the bench, which would leave PostgreSQL running.
   */
  private static void exitThroughShutdownHooks(long deadlineSeconds) {
    ProcessHandle.current().parent().ifPresent(bench ->
        bench.onExit().thenRun(() -> System.exit(3)));
    new java.util.Timer("run-deadline", true).schedule(new java.util.TimerTask() {
      @Override
      public void run() {
        System.err.println("run not done within " + deadlineSeconds + " s: exiting");
        System.exit(2);
      }
    }, deadlineSeconds * 1000);
  }

  private Map<String, Object> run() throws Exception {
    int rate = Integer.parseInt(o.get("rate"));
    int vehicles = Integer.parseInt(o.get("vehicles"));
    long checkpointMillis = Long.parseLong(o.get("checkpoint-interval-ms"));
    int historySeconds = Integer.parseInt(o.get("history-seconds"));
    int warmupSeconds = Integer.parseInt(o.get("warmup-seconds"));
    int measureSeconds = Integer.parseInt(o.get("measure-seconds"));
    int settleSeconds = Integer.parseInt(o.get("settle-seconds"));
    Path workDir = Path.of(o.get("work-dir"));
    Files.createDirectories(workDir);
    LiveFleet fleet = new LiveFleet(vehicles, Instant.now(), historySeconds, warmupSeconds,
        measureSeconds);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("rate", rate);
    result.put("checkpointIntervalMs", checkpointMillis);
    result.put("vehicles", vehicles);
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
        LocalPostgres postgres = LocalPostgres.start(workDir.resolve("postgres"), 0, true)) {
      kafka.createTopics(FleetTopics.all());
      ReferenceDataWriter.apply(postgres.jdbcUrl(), postgres.user(), postgres.password(),
          fleet.simulator);
      BenchSupport.createOffsetsTopic(kafka.bootstrapServers(), FleetTopics.VEHICLE_EVENTS_RAW);
      List<Thread> watchers = List.of(
          daemon("inventory-reader", () -> readInventory(kafka.bootstrapServers())),
          daemon("table-poller", () -> pollTable(postgres)),
          daemon("alert-reader", () -> readAlerts(kafka.bootstrapServers())),
          daemon("lag-sampler", () -> sampleLag(kafka.bootstrapServers())));
      watchers.forEach(Thread::start);

      List<String> jobArgs = jobArgs(kafka, postgres, workDir, checkpointMillis);
      result.put("jobOptions", String.join(" ", jobArgs));
      FleetPipelineOptions options = PipelineOptionsFactory
          .fromArgs(jobArgs.toArray(new String[0])).as(FleetPipelineOptions.class);
      options.setStreaming(true);
      Pipeline pipeline = Pipeline.create(options);
      FleetStreamProcessor.build(pipeline, options);
      PipelineResult job = pipeline.run();
      try {
        LiveFleet.Sent sent = fleet.sendPaced(kafka.bootstrapServers(), onSend());
        System.out.printf(Locale.ROOT, "sent: %s; %.0f events/s while measured%n", sent,
            sent.measuredRate());
        settle(settleSeconds);
        // Judged on the lag samples up to the end of the measured period only.
        KeptUp keptUp = KeptUp.judge(lagSamples, sent.measureFromMillis(),
            sent.measureUntilMillis(), checkpointMillis, sent.measuredRate());
        System.out.println(keptUp.verdict());
        result.put("sendRate", sent.measuredRate());
        result.put("sentBacklog", sent.backlogMessages());
        result.put("skippedTelemetry", sent.skippedTelemetry());
        result.put("sentWarmup", sent.warmupMessages());
        result.put("sentMeasured", sent.measuredMessages());
        result.put("measuredSeconds",
            (sent.measureUntilMillis() - sent.measureFromMillis()) / 1000.0);
        result.put("returnsOfBookingsBeforeHistory", returnsOfBookingsBeforeHistory.get());
        result.put("keptUp", keptUp.toMap());
        result.put("lagEvery5sFromWarmup",
            lagEvery(5000, sent.measureFromMillis() - warmupSeconds * 1000L));
      } finally {
        stopped = true;
        job.cancel();
      }
      if (watcherFailure.get() != null) {
        throw new IllegalStateException("a watcher failed", watcherFailure.get());
      }
    }
    result.put("paths", paths());
    return result;
  }

  /**
   * Registers what is measured before it is sent, so that an output seen before the ack's
   * callback ran still counts; the ack only sets the start of the clock.
   */
  private LiveFleet.OnSend onSend() {
    Set<String> startedBookings = new HashSet<>();
    DetectLowBatteryModel model = new DetectLowBatteryModel(
        DetectLowBattery.DEFAULT_THRESHOLD_PCT, 0.0, DetectLowBattery.DEFAULT_ALLOWED_LATENESS);
    Set<String> knownAlerts = new HashSet<>();
    return (m, measured) -> {
      if (m.isBooking()) {
        BookingEvent b = m.booking();
        if (b.getEventType() != BookingEventType.RETURN_COMPLETED) {
          startedBookings.add(b.getBookingId());
          return null;
        }
        if (!measured || m.kind() != SimulatedMessage.Kind.ORIGINAL) {
          return null;
        }
        if (!startedBookings.contains(b.getBookingId())) {
          returnsOfBookingsBeforeHistory.incrementAndGet();
          return null;
        }
        PendingReturn p = new PendingReturn(b.getBookingId(), b.getEventTime().getMillis());
        pendingByVehicle.put(b.getVehicleId(), p);
        measuredReturns.add(p);
        return () -> p.ackedAt.set(System.currentTimeMillis());
      }
      if (!m.isTelemetry() || m.kind() != SimulatedMessage.Kind.ORIGINAL) {
        return null;
      }
      model.onReading(m.telemetry());
      // Compared only when the count changes: copying the set per reading is too slow.
      if (model.published().size() != knownAlerts.size()) {
        for (String id : model.published()) {
          if (knownAlerts.add(id) && measured) {
            alertClock.due(id);
          }
        }
      }
      Double battery = m.telemetry().getBatteryPct();
      if (!measured || battery == null || battery >= DetectLowBattery.DEFAULT_THRESHOLD_PCT) {
        return null;
      }
      AtomicLong ackedAt =
          alertClock.lowReadingSent(m.telemetry().getVehicleId(), m.telemetry().getEventTime());
      return () -> ackedAt.compareAndSet(0, System.currentTimeMillis());
    };
  }

  /** Waits (bounded) for the outputs of what was measured; a main's wait, not a test's. */
  private void settle(int settleSeconds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + settleSeconds * 1000L;
    while (System.currentTimeMillis() < deadline && !allSeen()) {
      Thread.sleep(100);
    }
  }

  private boolean allSeen() {
    return alertClock.allDueSeen()
        && measuredReturns.stream().allMatch(
            p -> p.inventorySeenAt.get() > 0 && p.tableSeenAt.get() > 0);
  }

  private Map<String, Object> paths() {
    List<Long> inventory = new ArrayList<>();
    List<Long> table = new ArrayList<>();
    int inventoryUnseen = 0;
    int tableUnseen = 0;
    for (PendingReturn p : measuredReturns) {
      long acked = p.ackedAt.get();
      if (acked > 0 && p.inventorySeenAt.get() > 0) {
        inventory.add(p.inventorySeenAt.get() - acked);
      } else {
        inventoryUnseen++;
      }
      if (acked > 0 && p.tableSeenAt.get() > 0) {
        table.add(p.tableSeenAt.get() - acked);
      } else {
        tableUnseen++;
      }
    }
    Map<String, Object> paths = new LinkedHashMap<>();
    paths.put(RETURN_TO_INVENTORY, LatencySweep.pathResult(inventory, inventoryUnseen));
    paths.put(RETURN_TO_TABLE, LatencySweep.pathResult(table, tableUnseen));
    paths.put(TELEMETRY_TO_ALERT,
        LatencySweep.pathResult(alertClock.latencies(), alertClock.unseen()));
    return paths;
  }

  private List<String> jobArgs(LocalKafka kafka, LocalPostgres postgres, Path workDir,
      long checkpointMillis) {
    List<String> args = new ArrayList<>(BenchSupport.localFlinkJobArgs(
        Path.of(o.get("flink-conf-dir")), checkpointMillis, "rocksdb",
        workDir.resolve("checkpoints")));
    args.addAll(List.of(
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--consumerGroup=" + CONSUMER_GROUP,
        "--jdbcUrl=" + postgres.jdbcUrl(),
        "--jdbcUser=" + postgres.user(),
        "--jdbcPassword=" + postgres.password()));
    String extra = o.getOrDefault("job-options", "").trim();
    if (!extra.isEmpty()) {
      args.addAll(List.of(extra.split("\\s+")));
    }
    return args;
  }

  private Thread daemon(String name, ThrowingRunnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        if (!stopped) {
          watcherFailure.compareAndSet(null, e);
          e.printStackTrace();
        }
      }
    }, name);
    t.setDaemon(true);
    return t;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static KafkaConsumer<String, String> readCommitted(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Exactly-once outputs: a record counts once its transaction committed.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(topic, Duration.ofSeconds(60))
        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  private void readInventory(String bootstrap) throws Exception {
    try (KafkaConsumer<String, String> consumer =
        readCommitted(bootstrap, FleetTopics.INVENTORY_UPDATES)) {
      while (!stopped) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(5))) {
          PendingReturn p = pendingByVehicle.get(record.key());
          if (p == null || p.inventorySeenAt.get() > 0) {
            continue;
          }
          JsonNode update = JSON.readTree(record.value());
          JsonNode booking = update.get("booking_id");
          long asOf = java.time.Instant.parse(update.get("as_of").asText()).toEpochMilli();
          if (p.freedBy(booking == null || booking.isNull() ? null : booking.asText(), asOf)) {
            p.inventorySeenAt.compareAndSet(0, System.currentTimeMillis());
          }
        }
      }
    }
  }

  private void pollTable(LocalPostgres postgres) throws Exception {
    try (Connection c =
            DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        PreparedStatement query = c.prepareStatement("SELECT vehicle_id, booking_id, as_of"
            + " FROM available_vehicles WHERE vehicle_id = ANY (?)")) {
      while (!stopped) {
        List<String> awaited = new ArrayList<>();
        pendingByVehicle.forEach((vehicle, p) -> {
          if (p.tableSeenAt.get() == 0) {
            awaited.add(vehicle);
          }
        });
        if (!awaited.isEmpty()) {
          Array ids = c.createArrayOf("text", awaited.toArray());
          query.setArray(1, ids);
          try (ResultSet rs = query.executeQuery()) {
            long now = System.currentTimeMillis();
            while (rs.next()) {
              PendingReturn p = pendingByVehicle.get(rs.getString(1));
              if (p != null && p.freedBy(rs.getString(2), rs.getTimestamp(3).getTime())) {
                p.tableSeenAt.compareAndSet(0, now);
              }
            }
          }
        }
        Thread.sleep(TABLE_POLL_MILLIS); // the table's poll interval, not synchronisation
      }
    }
  }

  private void readAlerts(String bootstrap) throws Exception {
    try (KafkaConsumer<String, String> consumer = readCommitted(bootstrap, FleetTopics.ALERTS)) {
      while (!stopped) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(5))) {
          alertClock.seen(EventJson.decodeAlert(record.value()), System.currentTimeMillis());
        }
      }
    }
  }

  private void sampleLag(String bootstrap) throws Exception {
    try (Admin admin = BenchSupport.admin(bootstrap)) {
      while (!stopped) {
        long input = BenchSupport.endOffsets(admin, ThroughputInput.TOPICS).values().stream()
            .mapToLong(Long::longValue).sum();
        long committed = TopologyRun.committedInput(admin, CONSUMER_GROUP);
        lagSamples.add(new KeptUp.LagSample(System.currentTimeMillis(), input - committed,
            committed));
        Thread.sleep(LAG_SAMPLE_MILLIS); // the sampling interval
      }
    }
  }

  /** The lag every {@code stepMillis} from {@code fromMillis}: how it evolved, for the report. */
  private List<Long> lagEvery(long stepMillis, long fromMillis) {
    List<Long> lags = new ArrayList<>();
    long next = fromMillis;
    for (KeptUp.LagSample s : lagSamples) {
      if (s.atMillis() >= next) {
        lags.add(s.lag());
        next = s.atMillis() + stepMillis;
      }
    }
    return Collections.unmodifiableList(lags);
  }
}
