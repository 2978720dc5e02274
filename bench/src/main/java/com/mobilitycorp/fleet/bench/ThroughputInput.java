package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The input of the throughput benches ({@link RawKafkaCeilingBench}, {@link
 * FullTopologyThroughputBench}), written once before any run: one realistic simulated fleet with
 * everything the whole topology consumes, i.e. telemetry ({@code veh.events.raw}), booking events
 * ({@code domain.events}) and weather ({@code weather.observations}), with the simulator's default
 * duplicates, disorder, late and malformed messages, and battery faults, geofence excursions and
 * unregistered vehicles to alert on (as the latency benches' fleet). Deterministic: the same
 * {@code --events} gives the same records in every invocation, so a ceiling measured by one main
 * applies to the other's input (they compare the per-topic counts to make sure).
 */
final class ThroughputInput {

  /** Every topic the job reads; the ceiling copies all of them, the job's offsets cover them. */
  static final List<String> TOPICS = List.of(
      FleetTopics.VEHICLE_EVENTS_RAW, FleetTopics.DOMAIN_EVENTS, FleetTopics.WEATHER_OBSERVATIONS);

  /** What was written: the fleet's size and the records per input topic. */
  record Written(int vehicles, Map<String, Long> messagesPerTopic, long bytes) {
    long messages() {
      return messagesPerTopic.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The simulator of this input again, e.g. for its reference data. */
    FleetSimulator simulator() {
      return new FleetSimulator(fleet(vehicles));
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("simulated", DESCRIPTION);
      m.put("vehicles", vehicles);
      m.put("messages", messages());
      m.put("messagesPerTopic", messagesPerTopic);
      m.put("bytes", bytes);
      return m;
    }
  }

  static final String DESCRIPTION =
      "one fleet, seed 7, 60 locations, 2 h from " + BenchInput.START + ", 60 booking requests per"
          + " vehicle per day, weather on, battery faults 0.3 per vehicle-day, geofence excursions"
          + " 2 % of trips, 1 % of vehicles unregistered; simulator defaults for duplicates (2 %"
          + " telemetry, 0.5 % bookings), disorder (5 %), late (0.2 %) and malformed (0.1 %)"
          + " messages";

  static SimulatorConfig fleet(int vehicles) {
    return SimulatorConfig.builder()
        .seed(7)
        .vehicleCount(vehicles)
        .locationCount(60)
        .start(BenchInput.START)
        .duration(BenchInput.SIMULATED)
        .bookingsPerVehiclePerDay(60)
        .weatherEnabled(true)
        .batteryFaultRatePerVehicleDay(0.3)
        .excursionRate(0.02)
        .unregisteredVehicleRate(0.01)
        .build();
  }

  /** Writes about {@code events} messages; every record acknowledged or it fails. */
  static Written fill(String bootstrapServers, long events) {
    int vehicles = BenchInput.vehiclesFor(events, ThroughputInput::fleet, m -> true);
    Sent sent = send(bootstrapServers, fleet(vehicles), m -> {});
    return new Written(vehicles, sent.messagesPerTopic(), sent.bytes());
  }

  /** Records per input topic and their bytes (keys and values), as sent. */
  record Sent(Map<String, Long> messagesPerTopic, long bytes) {
    long messages() {
      return messagesPerTopic.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * Sends every message of {@code fleet} to its topic (one of {@link #TOPICS}), showing each to
   * {@code seen} first; every record acknowledged or it fails.
   */
  static Sent send(String bootstrapServers, SimulatorConfig fleet,
      Consumer<SimulatedMessage> seen) {
    Map<String, Long> perTopic = new LinkedHashMap<>();
    TOPICS.forEach(t -> perTopic.put(t, 0L));
    long bytes = 0;
    long sent = 0;
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    keepWhateverTheirTimestamps(bootstrapServers);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        producerProperties(bootstrapServers), new StringSerializer(), new StringSerializer())) {
      for (Iterator<SimulatedMessage> it = new FleetSimulator(fleet).messages(); it.hasNext(); ) {
        SimulatedMessage m = it.next();
        if (!perTopic.containsKey(m.topic())) {
          throw new IllegalStateException("simulator wrote to an unexpected topic " + m.topic());
        }
        seen.accept(m);
        perTopic.merge(m.topic(), 1L, Long::sum);
        bytes += utf8Length(m.payload()) + (m.key() == null ? 0 : utf8Length(m.key()));
        sent++;
        // Stamped when the simulated fleet delivered it, as a live producer would have: the job
        // judges future event times against it, so a backlog is judged as it was when it arrived.
        producer.send(new ProducerRecord<>(m.topic(), null, m.deliveryTime().getMillis(), m.key(),
            m.payload()), (metadata, error) -> {
          if (error == null) {
            acknowledged.incrementAndGet();
          } else {
            failure.compareAndSet(null, error);
          }
        });
      }
      producer.flush();
    }
    if (failure.get() != null || acknowledged.get() != sent) {
      throw new IllegalStateException(
          "Kafka acknowledged " + acknowledged.get() + " of " + sent + " input records",
          failure.get());
    }
    return new Sent(perTopic, bytes);
  }

  /**
   * The input's records carry their simulated delivery times, days before the run; the local
   * broker's time-based retention (a day) would delete them: the input topics keep every record.
   */
  private static void keepWhateverTheirTimestamps(String bootstrapServers) {
    Map<ConfigResource, Collection<AlterConfigOp>> keepAll = new LinkedHashMap<>();
    for (String topic : TOPICS) {
      keepAll.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
          new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"), AlterConfigOp.OpType.SET)));
    }
    try (Admin admin = BenchSupport.admin(bootstrapServers)) {
      admin.incrementalAlterConfigs(keepAll).all().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not set retention.ms=-1 on " + TOPICS, e);
    }
  }

  /**
   * The producer the input is written with, and the ceiling copies with: the simulator's settings
   * (acks=all, idempotent, linger 5 ms, lz4) with 64 KB batches.
   */
  static Properties producerProperties(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(64 * 1024));
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A broker starved of CPU by the busy machine must not expire batches (lost records).
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "900000");
    return props;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private ThroughputInput() {}
}
