package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The input both engines read, written once to {@code veh.events.raw} and {@code domain.events}
 * before any job starts, so every run drains the same backlog: about {@code events} messages per
 * query. Telemetry comes from a realistic simulated fleet (seed 7). In that fleet booking events
 * are only ~2.5 % of the messages (a trip sends a reading every 10 s and four booking events), so
 * the demand query would measure little but Flink's start; the booking events therefore come from
 * a second, larger fleet (seed 8) whose telemetry is sparse and not written. Duplicates, disorder
 * and late events are the simulator's defaults (2 % of telemetry and 0.5 % of booking events
 * delivered twice, 5 % out of order, 0.2 % late); malformed records are left out, because the
 * native queries have no validator and dead-letter path to route them to.
 */
final class BenchInput {

  /** A fixed past start: reproducible, and never ahead of the wall clock (the job rejects that). */
  static final Instant START = Instant.parse("2026-11-25T06:00:00Z");

  /** Two hours of fleet: eight 15-minute windows per location. */
  static final Duration SIMULATED = Duration.standardHours(2);

  static final long WINDOW_MILLIS = Duration.standardMinutes(15).getMillis();

  /** What was written, with the ground truth the runs are checked against. */
  record Counts(
      int telemetryVehicles,
      int bookingVehicles,
      long telemetryMessages,
      long telemetryUnique,
      long bookingMessages,
      long bookingUnique,
      long bookingCreatedUnique,
      long demandWindows) {}

  /** The fleet whose telemetry is written. */
  static SimulatorConfig telemetryFleet(int vehicles) {
    return SimulatorConfig.builder()
        .seed(7)
        .vehicleCount(vehicles)
        .locationCount(60)
        .start(START)
        .duration(SIMULATED)
        .bookingsPerVehiclePerDay(60)
        .malformedRate(0)
        .build();
  }

  /**
   * The fleet whose booking events are written: sparse telemetry, so that simulating tens of
   * thousands of vehicles stays cheap; bookings as the latency benches' fleet (60 requests per
   * vehicle per day).
   */
  static SimulatorConfig bookingFleet(int vehicles) {
    return SimulatorConfig.builder()
        .seed(8)
        .vehicleCount(vehicles)
        .locationCount(60)
        .start(START)
        .duration(SIMULATED)
        .bookingsPerVehiclePerDay(60)
        .tripTelemetryInterval(Duration.standardMinutes(10))
        .parkedTelemetryInterval(Duration.standardHours(1))
        .malformedRate(0)
        .build();
  }

  /**
   * Vehicles of a fleet for about {@code messages} messages on {@code topic}: estimated from a
   * small sample, then corrected once at the estimate's size (the rate per vehicle depends on the
   * fleet's size: bookings need available vehicles in the zone).
   */
  static int vehiclesFor(long messages, String topic, IntFunction<SimulatorConfig> fleet) {
    return vehiclesFor(messages, fleet, m -> isBenchInput(m) && m.topic().equals(topic));
  }

  /** Vehicles of a fleet for about {@code messages} messages that {@code counted} accepts. */
  static int vehiclesFor(
      long messages, IntFunction<SimulatorConfig> fleet, Predicate<SimulatedMessage> counted) {
    int estimate = scale(messages, 200, count(fleet.apply(200), counted));
    return scale(messages, estimate, count(fleet.apply(estimate), counted));
  }

  private static int scale(long target, int vehicles, long messages) {
    return (int) Math.max(1, Math.round((double) target * vehicles / Math.max(1, messages)));
  }

  private static long count(SimulatorConfig config, Predicate<SimulatedMessage> counted) {
    long n = 0;
    for (Iterator<SimulatedMessage> it = new FleetSimulator(config).messages(); it.hasNext(); ) {
      if (counted.test(it.next())) {
        n++;
      }
    }
    return n;
  }

  /** Writes about {@code events} messages per query; every record acknowledged or it fails. */
  static Counts fill(String bootstrapServers, long events) {
    int telemetryVehicles =
        vehiclesFor(events, FleetTopics.VEHICLE_EVENTS_RAW, BenchInput::telemetryFleet);
    int bookingVehicles = vehiclesFor(events, FleetTopics.DOMAIN_EVENTS, BenchInput::bookingFleet);
    Set<String> telemetryIds = new HashSet<>();
    Set<String> bookingIds = new HashSet<>();
    Set<String> createdIds = new HashSet<>();
    Set<String> windows = new HashSet<>();
    long telemetryMessages = 0;
    long bookingMessages = 0;
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
      for (Iterator<SimulatedMessage> it =
              new FleetSimulator(telemetryFleet(telemetryVehicles)).messages();
          it.hasNext(); ) {
        SimulatedMessage m = it.next();
        if (isBenchInput(m) && m.isTelemetry()) {
          telemetryMessages++;
          telemetryIds.add(m.eventId());
          send(producer, m, acknowledged, failure);
        }
      }
      for (Iterator<SimulatedMessage> it =
              new FleetSimulator(bookingFleet(bookingVehicles)).messages();
          it.hasNext(); ) {
        SimulatedMessage m = it.next();
        if (!isBenchInput(m) || !m.isBooking()) {
          continue;
        }
        bookingMessages++;
        bookingIds.add(m.eventId());
        BookingEvent booking = m.booking();
        if (booking.getEventType() == BookingEventType.BOOKING_CREATED
            && createdIds.add(booking.getEventId())) {
          long eventMillis = booking.getEventTime().getMillis();
          windows.add(booking.getLocationId() + "@" + (eventMillis - eventMillis % WINDOW_MILLIS));
        }
        send(producer, m, acknowledged, failure);
      }
      producer.flush();
    }
    long sent = telemetryMessages + bookingMessages;
    if (failure.get() != null || acknowledged.get() != sent) {
      throw new IllegalStateException(
          "Kafka acknowledged " + acknowledged.get() + " of " + sent + " input records",
          failure.get());
    }
    return new Counts(
        telemetryVehicles, bookingVehicles, telemetryMessages, telemetryIds.size(),
        bookingMessages, bookingIds.size(), createdIds.size(), windows.size());
  }

  private static void send(KafkaProducer<String, String> producer, SimulatedMessage m,
      AtomicLong acknowledged, AtomicReference<Exception> failure) {
    producer.send(
        new ProducerRecord<>(m.topic(), m.key(), m.payload()),
        (metadata, error) -> {
          if (error == null) {
            acknowledged.incrementAndGet();
          } else {
            failure.compareAndSet(null, error);
          }
        });
  }

  /** Telemetry and booking events only (weather is off; malformed ones are skipped anyway). */
  static boolean isBenchInput(SimulatedMessage m) {
    return m.kind() != SimulatedMessage.Kind.MALFORMED
        && (m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW)
            || m.topic().equals(FleetTopics.DOMAIN_EVENTS));
  }

  private static KafkaProducer<String, String> producer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    // A broker starved of CPU by the busy machine must not expire batches (lost input).
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "900000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private BenchInput() {}
}
