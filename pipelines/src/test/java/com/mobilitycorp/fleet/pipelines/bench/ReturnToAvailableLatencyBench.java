package com.mobilitycorp.fleet.pipelines.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.pipelines.FleetPipelineOptions;
import com.mobilitycorp.fleet.pipelines.FleetStreamProcessor;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Benchmark (not a test): how long from a {@code return_completed} reaching Kafka until the
 * vehicle shows as freed in PostgreSQL's {@code available_vehicles}, at a steady 1,000 events/s.
 *
 * <p>Real parts: a Kafka broker and PostgreSQL started here, the job on FlinkRunner (embedded,
 * parallelism 2, the production options), and a simulated fleet paced in real time: each message is
 * sent at its simulated delivery time (with its resends, disorder and late records). A return
 * "reaches Kafka" when the broker acknowledges it (acks=all); it "is available" when a poll of
 * the table (every {@code --poll-ms}, default 10 ms) first sees the row with that return's event
 * time or newer and without its booking. Returns during the warm-up are not measured.
 *
 * <p>Run: {@code make bench} (or see the Makefile for the exec line). Options: {@code --rate=1000
 * --warmup-seconds=30 --measure-seconds=120 --out=bench/results/return-to-available-latency.md},
 * and any pipeline option after {@code --} (e.g. {@code -- --maxBundleTimeMills=100}).
 */
public final class ReturnToAvailableLatencyBench {

  public static void main(String[] args) throws Exception {
    int rate = 1000;
    int backfillSeconds = 1800; // trips last 10-30 min: the first returns come after ~15 min
    int warmupSeconds = 180; // drains the backlog (~1.6M messages at ~20k/s) first
    int measureSeconds = 120;
    int pollMillis = 10;
    Path out = Path.of("bench/results/return-to-available-latency.md");
    List<String> pipelineArgs = new ArrayList<>();
    boolean passThrough = false;
    for (String arg : args) {
      if (passThrough) {
        pipelineArgs.add(arg);
      } else if (arg.equals("--")) {
        passThrough = true;
      } else if (arg.startsWith("--rate=")) {
        rate = Integer.parseInt(arg.substring(7));
      } else if (arg.startsWith("--backfill-seconds=")) {
        backfillSeconds = Integer.parseInt(arg.substring(19));
      } else if (arg.startsWith("--warmup-seconds=")) {
        warmupSeconds = Integer.parseInt(arg.substring(17));
      } else if (arg.startsWith("--measure-seconds=")) {
        measureSeconds = Integer.parseInt(arg.substring(18));
      } else if (arg.startsWith("--poll-ms=")) {
        pollMillis = Integer.parseInt(arg.substring(10));
      } else if (arg.startsWith("--out=")) {
        out = Path.of(arg.substring(6));
      } else {
        throw new IllegalArgumentException("unknown option " + arg);
      }
    }

    // Start the fleet a few minutes in the past, so trips are under way (and end, with a return)
    // while we measure; that backlog is sent at once and drained during the warm-up.
    Instant start = Instant.now().minus(Duration.standardSeconds(backfillSeconds));
    // + 60 s: starting Kafka, PostgreSQL and the job takes a while of wall time.
    Duration simulated =
        Duration.standardSeconds(backfillSeconds + warmupSeconds + measureSeconds + 60);
    int vehicles = vehiclesFor(rate, start, simulated);
    Path workDir = Files.createTempDirectory("fleet-latency-bench");
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
        LocalPostgres postgres = LocalPostgres.start(workDir.resolve("postgres"), 0)) {
      kafka.createTopics(FleetTopics.all());
      FleetSimulator simulator = new FleetSimulator(config(vehicles, start, simulated));
      ReferenceDataWriter.apply(
          postgres.jdbcUrl(), postgres.user(), postgres.password(),
          simulator.locations(), simulator.vehicles());

      List<String> jobArgs =
          new ArrayList<>(
              List.of(
                  "--runner=FlinkRunner",
                  "--flinkMaster=[local]",
                  "--parallelism=2",
                  "--attachedMode=false",
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--consumerGroup=latency-bench",
                  "--jdbcUrl=" + postgres.jdbcUrl(),
                  "--jdbcUser=" + postgres.user(),
                  "--jdbcPassword=" + postgres.password()));
      jobArgs.addAll(pipelineArgs);
      FleetPipelineOptions options =
          PipelineOptionsFactory.fromArgs(jobArgs.toArray(new String[0]))
              .as(FleetPipelineOptions.class);
      options.setStreaming(true);
      Pipeline pipeline = Pipeline.create(options);
      FleetStreamProcessor.build(pipeline, options);
      PipelineResult job = pipeline.run();

      Instant measureFrom = Instant.now().plus(Duration.standardSeconds(warmupSeconds));
      Instant measureUntil = measureFrom.plus(Duration.standardSeconds(measureSeconds));
      Map<String, PendingReturn> pending = new ConcurrentHashMap<>();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      AtomicLong sent = new AtomicLong();
      int pollEvery = pollMillis;
      Thread poller =
          new Thread(() -> pollTable(postgres, pending, latencies, pollEvery), "table-poller");
      poller.setDaemon(true);
      poller.start();
      long wallStart = measureFrom.getMillis();
      long sentBefore = 0;
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
        Iterator<SimulatedMessage> messages = simulator.messages();
        while (messages.hasNext()) {
          SimulatedMessage m = messages.next();
          if (m.deliveryTime().isAfter(measureUntil)) {
            break; // late resends of the last minutes would arrive up to 15 minutes later
          }
          long wait = m.deliveryTime().getMillis() - System.currentTimeMillis();
          if (wait > 0) {
            Thread.sleep(wait); // pacing the load generator in real time, not test synchronisation
          }
          boolean measured =
              m.kind() == SimulatedMessage.Kind.ORIGINAL
                  && !m.isTelemetry()
                  && m.booking().getEventType() == BookingEventType.RETURN_COMPLETED
                  && !m.deliveryTime().isBefore(measureFrom);
          BookingEvent returned = measured ? m.booking() : null;
          producer.send(
              new ProducerRecord<>(m.topic(), m.key(), m.payload()),
              (metadata, error) -> {
                if (error == null && returned != null) {
                  pending.put(
                      returned.getVehicleId(),
                      new PendingReturn(
                          returned.getBookingId(), returned.getEventTime(),
                          System.currentTimeMillis()));
                }
              });
          if (m.deliveryTime().isBefore(measureFrom)) {
            sentBefore++;
          } else {
            sent.incrementAndGet();
          }
        }
        producer.flush();
      }
      double seconds = Math.max(1, System.currentTimeMillis() - wallStart) / 1000.0;
      // Let the returns still in flight land (bounded wait), then stop.
      long deadline = System.currentTimeMillis() + 30_000;
      while (!pending.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      int unresolved = pending.size();
      job.cancel();

      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      String report =
          String.format(
              Locale.ROOT,
              "# Return -> available in PostgreSQL: latency%n%n"
                  + "Measured %s on %d cores (`make bench`, %s).%n%n"
                  + "| metric | value |%n|---|---|%n"
                  + "| input rate while measured (all topics, incl. resends/malformed) | %,.0f events/s |%n"
                  + "| simulated vehicles | %,d |%n"
                  + "| sent before measuring (%d s of fleet history as a backlog, then the warm-up) | %,d messages |%n"
                  + "| returns measured (after %d s warm-up) | %,d |%n"
                  + "| returns not visible within 30 s | %d |%n"
                  + "| p50 | %d ms |%n| p90 | %d ms |%n| p99 | %d ms |%n| max | %d ms |%n%n"
                  + "Clock: from the broker's ack of the return (acks=all) to the first poll"
                  + " (every %d ms) that sees the row freed. Job: FlinkRunner [local],"
                  + " parallelism 2, extra options: %s.%n",
              java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(),
              ReturnToAvailableLatencyBench.class.getSimpleName(),
              sent.get() / seconds, vehicles, backfillSeconds, sentBefore, warmupSeconds,
              sorted.size(), unresolved,
              percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
              sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), pollMillis,
              pipelineArgs.isEmpty() ? "none" : String.join(" ", pipelineArgs));
      System.out.println(report);
      write(out, report);
    }
    System.exit(0); // embedded Flink leaves non-daemon threads behind
  }

  /** A return sent to Kafka and not yet seen in the table. */
  private record PendingReturn(String bookingId, Instant eventTime, long ackedAtMillis) {}

  private static void pollTable(
      LocalPostgres postgres, Map<String, PendingReturn> pending, List<Long> latencies,
      int pollMillis) {
    try (Connection c =
            DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        PreparedStatement query =
            c.prepareStatement(
                "SELECT vehicle_id, booking_id, as_of FROM available_vehicles"
                    + " WHERE vehicle_id = ANY (?)")) {
      while (true) {
        if (!pending.isEmpty()) {
          Array ids = c.createArrayOf("text", pending.keySet().toArray());
          query.setArray(1, ids);
          try (ResultSet rs = query.executeQuery()) {
            long now = System.currentTimeMillis();
            while (rs.next()) {
              String vehicle = rs.getString(1);
              PendingReturn p = pending.get(vehicle);
              Timestamp asOf = rs.getTimestamp(3);
              if (p != null
                  && !p.bookingId().equals(rs.getString(2))
                  && asOf.getTime() >= p.eventTime().getMillis()) {
                latencies.add(now - p.ackedAtMillis());
                pending.remove(vehicle, p);
              }
            }
          }
        }
        Thread.sleep(pollMillis);
      }
    } catch (Exception e) {
      throw new IllegalStateException("poller failed", e);
    }
  }

  /**
   * The bench's fleet. Demand follows Berlin's clock, so the booking rate is set high enough to
   * give a few returns per second at any hour (at night the demand curve scales it down ~10x).
   */
  static SimulatorConfig config(int vehicles, Instant start, Duration duration) {
    return SimulatorConfig.builder()
        .seed(7)
        .vehicleCount(vehicles)
        .locationCount(60)
        .start(start)
        .duration(duration)
        .bookingsPerVehiclePerDay(60)
        .build();
  }

  /** Vehicles for {@code rate} messages/s, from the simulator's own rate on the same window. */
  static int vehiclesFor(int rate, Instant start, Duration duration) {
    int sampleVehicles = 500;
    FleetSimulator sample = new FleetSimulator(config(sampleVehicles, start, duration));
    long messages = 0;
    Instant from = start.plus(duration).minus(Duration.standardSeconds(120));
    for (Iterator<SimulatedMessage> it = sample.messages(); it.hasNext(); ) {
      // The last two minutes: trips are under way then, as while we measure.
      if (!it.next().deliveryTime().isBefore(from)) {
        messages++;
      }
    }
    double perVehiclePerSecond = messages / 120.0 / sampleVehicles;
    return (int) Math.round(rate / perVehiclePerSecond);
  }

  static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static void write(Path out, String report) throws IOException {
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, report, StandardCharsets.UTF_8);
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private ReturnToAvailableLatencyBench() {}
}
