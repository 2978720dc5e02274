package com.mobilitycorp.fleet.pipelines.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * What the latency benchmarks share: a real Kafka broker and PostgreSQL, the job on FlinkRunner
 * (embedded, parallelism 2, production options), and a simulated fleet paced in real time at a
 * target rate. The fleet starts {@code --backfill-seconds} in the past, so trips are under way;
 * that history is sent at once as a backlog and drained during the warm-up, then {@code
 * --measure-seconds} are measured. Options: {@code --rate=1000 --backfill-seconds=1800
 * --warmup-seconds=180 --measure-seconds=120 --out=...}, and pipeline options after {@code --}.
 */
final class LiveFleetBench implements AutoCloseable {

  /** Called for every message sent; returns what to do once Kafka acknowledged it, or null. */
  interface OnSend {
    @Nullable Runnable onAck(SimulatedMessage message, boolean measured);
  }

  final int rate;
  final int backfillSeconds;
  final int warmupSeconds;
  final int measureSeconds;
  final Path out;
  final List<String> pipelineArgs = new ArrayList<>();
  final int vehicles;
  final FleetSimulator simulator;
  /** Broker, database and checkpoint data of this run. */
  final Path workDir;
  final LocalKafka kafka;
  final LocalPostgres postgres;
  private @Nullable PipelineResult job;
  private long sentWhileMeasured;
  private long sentBefore;
  private double measuredSeconds;

  LiveFleetBench(String[] args, Path defaultOut) throws Exception {
    int rate = 1000;
    int backfill = 1800; // trips last 10-30 min: the first returns come after ~15 min
    int warmup = 180; // drains the backlog (~1.5M messages at ~20k/s) first
    int measure = 120;
    Path out = defaultOut;
    boolean passThrough = false;
    for (String arg : args) {
      if (passThrough) {
        pipelineArgs.add(arg);
      } else if (arg.equals("--")) {
        passThrough = true;
      } else if (arg.startsWith("--rate=")) {
        rate = Integer.parseInt(arg.substring("--rate=".length()));
      } else if (arg.startsWith("--backfill-seconds=")) {
        backfill = Integer.parseInt(arg.substring("--backfill-seconds=".length()));
      } else if (arg.startsWith("--warmup-seconds=")) {
        warmup = Integer.parseInt(arg.substring("--warmup-seconds=".length()));
      } else if (arg.startsWith("--measure-seconds=")) {
        measure = Integer.parseInt(arg.substring("--measure-seconds=".length()));
      } else if (arg.startsWith("--out=")) {
        out = Path.of(arg.substring("--out=".length()));
      } else {
        throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    this.rate = rate;
    this.backfillSeconds = backfill;
    this.warmupSeconds = warmup;
    this.measureSeconds = measure;
    this.out = out;
    Instant start = Instant.now().minus(Duration.standardSeconds(backfill));
    // + 60 s: starting Kafka, PostgreSQL and the job takes a while of wall time.
    Duration simulated = Duration.standardSeconds(backfill + warmup + measure + 60);
    this.vehicles = vehiclesFor(rate, start, simulated);
    this.simulator = new FleetSimulator(config(vehicles, start, simulated));
    this.workDir = Files.createTempDirectory("fleet-latency-bench");
    this.kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
    this.postgres = LocalPostgres.start(workDir.resolve("postgres"), 0);
    kafka.createTopics(FleetTopics.all());
    ReferenceDataWriter.apply(
        postgres.jdbcUrl(), postgres.user(), postgres.password(),
        simulator.locations(), simulator.registeredVehicles());
  }

  /** Starts the job with the bench's and the user's pipeline options. */
  void startJob(String consumerGroup) {
    List<String> jobArgs =
        new ArrayList<>(
            List.of(
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=2",
                "--attachedMode=false",
                "--flinkConfDir=" + Path.of("flink-conf/local").toAbsolutePath(),
                "--checkpointingInterval=1000",
                "--stateBackend=rocksdb",
                "--stateBackendStoragePath=" + workDir.resolve("checkpoints").toUri(),
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--consumerGroup=" + consumerGroup,
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
    job = pipeline.run();
  }

  /**
   * Sends the simulated stream, each message at its delivery time; messages delivered after the
   * warm-up are "measured". Stops at the end of the measured period.
   */
  void sendPaced(OnSend onSend) throws Exception {
    Instant measureFrom = Instant.now().plus(Duration.standardSeconds(warmupSeconds));
    Instant measureUntil = measureFrom.plus(Duration.standardSeconds(measureSeconds));
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
        boolean measured = !m.deliveryTime().isBefore(measureFrom);
        Runnable onAck = onSend.onAck(m, measured);
        producer.send(
            new ProducerRecord<>(m.topic(), m.key(), m.payload()),
            (metadata, error) -> {
              if (error == null && onAck != null) {
                onAck.run();
              }
            });
        if (measured) {
          sentWhileMeasured++;
        } else {
          sentBefore++;
        }
      }
      producer.flush();
    }
    measuredSeconds = Math.max(1, System.currentTimeMillis() - measureFrom.getMillis()) / 1000.0;
  }

  /** The shared part of every latency report, as Markdown. */
  String report(String title, List<Long> latenciesMillis, String measuredWhat, int unresolved,
      String clock) {
    List<Long> sorted = new ArrayList<>(latenciesMillis);
    Collections.sort(sorted);
    return String.format(
        Locale.ROOT,
        "# %s%n%n"
            + "Measured %s on %d cores (`make bench`).%n%n"
            + "| metric | value |%n|---|---|%n"
            + "| input rate while measured (all topics, incl. resends/malformed) | %,.0f events/s |%n"
            + "| simulated vehicles | %,d |%n"
            + "| sent before measuring (%d s of fleet history as a backlog, then the warm-up) | %,d messages |%n"
            + "| %s measured (after %d s warm-up, for %d s) | %,d |%n"
            + "| not seen within 30 s | %d |%n"
            + "| p50 | %d ms |%n| p90 | %d ms |%n| p99 | %d ms |%n| max | %d ms |%n%n"
            + "Clock: %s Job: FlinkRunner [local], parallelism 2, extra options: %s.%n",
        title, java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(),
        sentWhileMeasured / measuredSeconds, vehicles, backfillSeconds, sentBefore,
        measuredWhat, warmupSeconds, measureSeconds, sorted.size(), unresolved,
        percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), clock,
        pipelineArgs.isEmpty() ? "none" : String.join(" ", pipelineArgs));
  }

  void write(String report) throws IOException {
    System.out.println(report);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, report, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (job != null) {
      try {
        job.cancel();
      } catch (IOException e) {
        System.err.println("cancel failed: " + e);
      }
    }
    kafka.close();
    postgres.close();
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
        // The whole topology under load: weather to join, faults and excursions to alert on,
        // vehicles missing from the metadata table (as the CLI's defaults).
        .weatherEnabled(true)
        .batteryFaultRatePerVehicleDay(0.3)
        .excursionRate(0.02)
        .unregisteredVehicleRate(0.01)
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

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }
}
