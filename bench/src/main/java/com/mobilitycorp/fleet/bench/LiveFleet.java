package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import java.util.Iterator;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The latency benches' simulated fleet, paced in real time at a target rate. The fleet starts
 * {@code historySeconds} before the run; of that history only booking events and weather are sent,
 * at once, as a small backlog: trips are then under way (the first returns of a fresh fleet come
 * after ~10 minutes) and the job knows their bookings, without a telemetry backlog that a job with
 * little spare capacity could not drain within the warm-up. Once the sender has caught up with the
 * wall clock everything is sent, each message at its delivery time; the warm-up starts then, and
 * the messages delivered after it are "measured".
 */
final class LiveFleet {

  /** Called for every message about to be sent; returns what to do once Kafka acknowledged it. */
  interface OnSend {
    @Nullable Runnable beforeSend(SimulatedMessage message, boolean measured);
  }

  /** What was sent (and skipped), and when the measured period began and ended (epoch millis). */
  record Sent(long backlogMessages, long skippedTelemetry, long warmupMessages,
      long measuredMessages, long measureFromMillis, long measureUntilMillis) {
    double measuredRate() {
      return measuredMessages / Math.max(0.001, (measureUntilMillis - measureFromMillis) / 1000.0);
    }
  }

  /**
   * About how long from the fleet's present until the warm-up starts: the broker, PostgreSQL and
   * the job start, and the history is simulated. The fleet is sized for the period measured then.
   */
  static final Duration STARTUP = Duration.standardSeconds(60);

  /** Simulated beyond the measured period: the start-up, with room for a slow one. */
  static final Duration MARGIN = Duration.standardMinutes(5);

  final Instant start;
  final int vehicles;
  final int historySeconds;
  final int warmupSeconds;
  final int measureSeconds;
  final FleetSimulator simulator;

  LiveFleet(int vehicles, Instant now, int historySeconds, int warmupSeconds, int measureSeconds) {
    this.start = now.minus(Duration.standardSeconds(historySeconds));
    this.vehicles = vehicles;
    this.historySeconds = historySeconds;
    this.warmupSeconds = warmupSeconds;
    this.measureSeconds = measureSeconds;
    this.simulator = new FleetSimulator(
        config(vehicles, start, simulated(historySeconds, warmupSeconds, measureSeconds)));
  }

  static Duration simulated(int historySeconds, int warmupSeconds, int measureSeconds) {
    return Duration.standardSeconds(historySeconds + warmupSeconds + measureSeconds).plus(MARGIN);
  }

  /**
   * The bench's fleet, as the throughput input's but starting when asked ({@link
   * ThroughputInput#fleet}): every use case has work (weather to join, faults and excursions to
   * alert on, unregistered vehicles). Demand follows Berlin's clock, hence 60 booking requests
   * per vehicle per day: a few returns per second at any hour.
   */
  static SimulatorConfig config(int vehicles, Instant start, Duration duration) {
    return ThroughputInput.fleet(vehicles).toBuilder().start(start).duration(duration).build();
  }

  /**
   * Vehicles for {@code rate} messages/s (all topics and kinds, as sent) over the measured period
   * of a fleet starting {@code historySeconds} before {@code now}, with {@link
   * BenchInput#vehiclesFor}'s estimate-and-correct.
   */
  static int vehiclesFor(int rate, Instant now, int historySeconds, int warmupSeconds,
      int measureSeconds) {
    Instant start = now.minus(Duration.standardSeconds(historySeconds));
    Duration simulated = simulated(historySeconds, warmupSeconds, measureSeconds);
    Instant from = now.plus(STARTUP).plus(Duration.standardSeconds(warmupSeconds));
    Instant until = from.plus(Duration.standardSeconds(measureSeconds));
    return BenchInput.vehiclesFor((long) rate * measureSeconds,
        v -> config(v, start, simulated),
        m -> !m.deliveryTime().isBefore(from) && m.deliveryTime().isBefore(until));
  }

  /**
   * Sends the stream until the end of the measured period; fails if Kafka did not acknowledge
   * every message. Until the sender has caught up with the wall clock, telemetry is skipped: the
   * history's, and that of the time simulating the history took.
   */
  Sent sendPaced(String bootstrapServers, OnSend onSend) throws Exception {
    long backlog = 0;
    long skippedTelemetry = 0;
    long warmup = 0;
    long measured = 0;
    long measureFrom = -1;
    long measureUntil = -1;
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
      Iterator<SimulatedMessage> messages = simulator.messages();
      while (messages.hasNext()) {
        SimulatedMessage m = messages.next();
        long wait = m.deliveryTime().getMillis() - System.currentTimeMillis();
        if (measureFrom < 0) {
          if (wait > 0) {
            // Caught up: the backlog is out, the warm-up begins.
            measureFrom = System.currentTimeMillis() + warmupSeconds * 1000L;
            measureUntil = measureFrom + measureSeconds * 1000L;
          } else if (m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW)) {
            skippedTelemetry++;
            continue;
          }
        }
        if (measureUntil > 0 && m.deliveryTime().getMillis() >= measureUntil) {
          break;
        }
        if (wait > 0) {
          Thread.sleep(wait); // pacing the load generator in real time, not synchronisation
        }
        boolean isMeasured = measureFrom > 0 && m.deliveryTime().getMillis() >= measureFrom;
        Runnable onAck = onSend.beforeSend(m, isMeasured);
        producer.send(new ProducerRecord<>(m.topic(), m.key(), m.payload()), (metadata, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
            return;
          }
          acknowledged.incrementAndGet();
          if (onAck != null) {
            onAck.run();
          }
        });
        if (isMeasured) {
          measured++;
        } else if (measureFrom > 0) {
          warmup++;
        } else {
          backlog++;
        }
      }
      // A sender that fell behind sent the measured period's messages later: its true window.
      measureUntil = Math.max(measureUntil, System.currentTimeMillis());
      producer.flush();
    }
    long sent = backlog + warmup + measured;
    if (failure.get() != null || acknowledged.get() != sent) {
      throw new IllegalStateException(
          "Kafka acknowledged " + acknowledged.get() + " of " + sent + " messages", failure.get());
    }
    if (measureFrom < 0 || measured == 0) {
      throw new IllegalStateException("the simulated fleet ended before the measured period");
    }
    return new Sent(backlog, skippedTelemetry, warmup, measured, measureFrom, measureUntil);
  }

  /** acks=all and idempotent as the simulator's CLI, with a short linger: latency, not batches. */
  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = ThroughputInput.producerProperties(bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    props.remove(ProducerConfig.BATCH_SIZE_CONFIG);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }
}
