package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A deterministic, realistic simulator of MobilityCorp's fleet and of the unreliable network its
 * events travel over. One instance is one run:
 *
 * <pre>{@code
 * FleetSimulator sim = new FleetSimulator(SimulatorConfig.builder().duration(Duration.standardHours(1)).build());
 * sim.vehicles(); sim.locations();                 // reference data (PostgreSQL tables)
 * Iterator<SimulatedMessage> it = sim.messages();  // the wire, ordered by delivery time
 * while (it.hasNext()) { SimulatedMessage m = it.next(); ... }
 * sim.finalFleetState();                           // ground truth per vehicle
 * sim.stats();
 * }</pre>
 *
 * <p><b>Two layers.</b> The fleet model ({@code FleetWorld}) generates the true events in event
 * time: telemetry per vehicle on its timer and on every state change, booking lifecycles from
 * Poisson demand, battery swaps and maintenance. The network layer here gives each event a
 * delivery: an original after 50 ms .. 2 s (or out of order: 5 s .. maxDisorder; or late: beyond
 * the allowed lateness), maybe a duplicate 1-60 s after the first copy, and maybe an extra
 * malformed message. The layers use separate random streams, so changing injection rates never
 * changes the fleet's history (the same events, ids and times), only what the wire does with it.
 *
 * <p><b>Weather</b> (when {@link SimulatorConfig#weatherEnabled()}): {@code WeatherModel} observes
 * every zone every {@code weatherInterval}; each observation arrives 0.5 .. 30 s later, or late (1
 * .. 4 min). The weather and its delivery have random streams of their own too, so switching
 * weather on adds messages on {@code weather.observations} and leaves every other message exactly
 * as it was. {@link #weatherHistory()} is the ground truth.
 *
 * <p><b>Anomalies</b> (off by default): battery faults ({@link #batteryFaults()}), geofence
 * excursions ({@link #excursions()}) and vehicles missing from the reference data ({@link
 * #unregisteredVehicles()}). Each has a random stream of its own, so a zero rate leaves every
 * message exactly as it was without the feature.
 *
 * <p><b>Demand surges</b> ({@link SimulatorConfig#demandSurges()}, none by default): extra booking
 * requests at a chosen location over a chosen interval, served like natural requests there; their
 * times and vehicle picks have a random stream of their own. {@link #demandSurges()} is the ground
 * truth: the bookings each surge created.
 *
 * <p><b>Lazy and bounded in memory.</b> Messages are produced on demand: a delivery is handed out
 * as soon as no event still to be generated can be delivered before it (every event is generated
 * at or after the model's clock, and delivered at least 50 ms after its event time). Memory is the
 * fleet state plus the messages in flight (about rate x delay), so runs can last for days of
 * simulated time or millions of messages.
 *
 * <p><b>Deterministic.</b> Equal configs give identical message sequences: payloads byte for
 * byte, event ids, delivery times and labels. Nothing reads the wall clock.
 *
 * <p>Not thread-safe: iterate from one thread.
 */
public final class FleetSimulator {
  private static final long NETWORK_SALT = 0x5EED_0003L;
  private static final long WEATHER_NETWORK_SALT = 0x5EED_0005L;

  private final SimulatorConfig config;
  private final ReferenceData reference;
  private final SimulationStats.Counters counters = new SimulationStats.Counters();
  private final FleetWorld world;
  private final SimRandom network;
  private final @Nullable WeatherModel weather;
  private final SimRandom weatherNetwork;
  private final PriorityQueue<Pending> inFlight =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long deliverySeq;
  private boolean iteratorHandedOut;
  private boolean exhausted;

  private final long minNetwork = SimulatorConfig.MIN_NETWORK_DELAY.getMillis();
  private final long maxNetwork = SimulatorConfig.MAX_NETWORK_DELAY.getMillis();
  private final long minDisorder = SimulatorConfig.MIN_DISORDER.getMillis();
  private final long maxDisorder;
  private final long minLate;
  private final long maxLate;
  private final long minDuplicateGap = SimulatorConfig.MIN_DUPLICATE_GAP.getMillis();
  private final long maxDuplicateGap = SimulatorConfig.MAX_DUPLICATE_GAP.getMillis();
  private final long minWeatherDelay = SimulatorConfig.MIN_WEATHER_DELAY.getMillis();
  private final long maxWeatherDelay = SimulatorConfig.MAX_WEATHER_DELAY.getMillis();
  private final long minWeatherLate = SimulatorConfig.MIN_WEATHER_LATE_DELAY.getMillis();
  private final long maxWeatherLate = SimulatorConfig.MAX_WEATHER_LATE_DELAY.getMillis();

  private static final class Pending {
    final long time;
    final long seq;
    final SimulatedMessage message;

    Pending(long time, long seq, SimulatedMessage message) {
      this.time = time;
      this.seq = seq;
      this.message = message;
    }
  }

  public FleetSimulator(SimulatorConfig config) {
    this.config = config;
    this.reference = new ReferenceData(config);
    this.network = SimRandom.forStream(config.seed(), NETWORK_SALT);
    this.maxDisorder = config.maxDisorder().getMillis();
    this.minLate = config.minLateDelay().getMillis();
    this.maxLate = config.maxLateDelay().getMillis();
    this.world = new FleetWorld(config, reference, this::deliver, counters);
    this.weather = config.weatherEnabled() ? new WeatherModel(config, reference) : null;
    this.weatherNetwork = SimRandom.forStream(config.seed(), WEATHER_NETWORK_SALT);
  }

  public SimulatorConfig config() {
    return config;
  }

  /**
   * Every simulated vehicle, ordered by vehicle id; deterministic from the seed. This is the truth
   * (every vehicle that reports); the {@code vehicles} table gets {@link #registeredVehicles()}.
   */
  public List<VehicleMetadata> vehicles() {
    return reference.vehicles;
  }

  /**
   * The reference data for table {@code vehicles}: {@link #vehicles()} without the {@link
   * #unregisteredVehicles()} (all of them unless {@link SimulatorConfig#unregisteredVehicleRate()}
   * is set). What {@link ReferenceDataWriter#apply(String, String, String, FleetSimulator)} and the
   * CLI write.
   */
  public List<VehicleMetadata> registeredVehicles() {
    return reference.registeredVehicles;
  }

  /**
   * Ids of the vehicles left out of the reference data, as new vehicles not registered yet: they
   * report telemetry and get booked like any other. Sorted, immutable; deterministic from the seed
   * and {@link SimulatorConfig#unregisteredVehicleRate()}.
   */
  public Set<String> unregisteredVehicles() {
    return reference.unregisteredIds;
  }

  /** The zones (table {@code locations}), ordered by city then id; deterministic from the seed. */
  public List<LocationMetadata> locations() {
    return reference.locations;
  }

  /**
   * The wire: every message in delivery-time order (ties in a fixed order). Single use: one
   * simulator, one pass. Unbounded configs give an infinite iterator.
   */
  public Iterator<SimulatedMessage> messages() {
    if (iteratorHandedOut) {
      throw new IllegalStateException("messages() can be called once per simulator");
    }
    iteratorHandedOut = true;
    return new Iterator<>() {
      private @Nullable SimulatedMessage next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = advance();
        }
        return next != null;
      }

      @Override
      public SimulatedMessage next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        SimulatedMessage m = next;
        next = null;
        return m;
      }
    };
  }

  /** {@link #messages()} as a sequential, ordered stream. */
  public Stream<SimulatedMessage> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(
            messages(), Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE),
        false);
  }

  /** Whether the (bounded) message stream has been consumed to its end. */
  public boolean isExhausted() {
    return exhausted;
  }

  /**
   * Ground truth per vehicle id once every message has been delivered (the iterator is exhausted):
   * the state the generated events imply, by event time. Throws if the stream has not ended.
   */
  public Map<String, VehicleTruth> finalFleetState() {
    if (!exhausted) {
      throw new IllegalStateException(
          "the message stream has not ended: iterate messages() to the end (bounded config) first");
    }
    return Collections.unmodifiableMap(world.truth());
  }

  /**
   * Ground truth per vehicle id according to all events generated so far (event time up to {@link
   * #generatedUntil()}), including events whose messages are still in flight.
   */
  public Map<String, VehicleTruth> currentFleetState() {
    return Collections.unmodifiableMap(world.truth());
  }

  /**
   * Ground truth of the weather: every observation taken so far (observed_at up to where the
   * message stream has got), per location in observed_at order, including those still in flight.
   * Empty when weather is off. Recomputed from the seed on each call, so the simulator keeps no
   * history in memory.
   */
  public WeatherHistory weatherHistory() {
    List<WeatherObservation> observations = new ArrayList<>();
    if (config.weatherEnabled()) {
      WeatherModel replay = new WeatherModel(config, reference);
      for (long i = 0; i < counters.weatherObservationsGenerated; i++) {
        observations.add(replay.step());
      }
    }
    return new WeatherHistory(reference.locations, observations);
  }

  /**
   * Ground truth of the injected battery faults started so far (event time up to {@link
   * #generatedUntil()}), in start order; immutable. A fault still on has a null end.
   */
  public List<BatteryFault> batteryFaults() {
    return world.batteryFaults();
  }

  /**
   * Ground truth of the injected excursions whose vehicle has left its city's operating area so
   * far, in leftAt order; immutable. One still outside has a null returnedAt. With {@link
   * SimulatorConfig#tripsConfined()} (always when excursions are on) these are the only times a
   * true position leaves an area.
   */
  public List<Excursion> excursions() {
    return world.excursions();
  }

  /**
   * Ground truth of the configured demand surges, one per surge in config order, as far as the
   * events generated so far (event time up to {@link #generatedUntil()}): requests made, how many
   * found no bookable vehicle, and the booking ids of the booking_created events the others
   * produced. Immutable; empty without surges.
   */
  public List<DemandSurgeOutcome> demandSurges() {
    return world.demandSurges();
  }

  /**
   * How many vehicles a booking request would find bookable in each zone right now (at {@link
   * #generatedUntil()}): parked there, operational, battery >= 20%, no maintenance due; by location
   * id, in {@link #locations()} order. This is the most a surge starting now could book at once
   * there (vehicles returning to the zone add to it, natural requests take from it). To see it at
   * a given time, iterate {@link #messages()} until {@link #generatedUntil()} reaches it.
   */
  public Map<String, Integer> bookableVehiclesByLocation() {
    return Collections.unmodifiableMap(world.bookableVehiclesByLocation());
  }

  /** The fleet model's clock: every event with an earlier event time has been generated. */
  public Instant generatedUntil() {
    return new Instant(world.clock());
  }

  /** Messages generated but not yet handed out by the iterator. */
  public int messagesInFlight() {
    return inFlight.size();
  }

  /** A snapshot of the counters. */
  public SimulationStats stats() {
    return counters.snapshot();
  }

  // ---------------------------------------------------------------- delivery

  private @Nullable SimulatedMessage advance() {
    while (true) {
      long nextWorldStep = world.nextStepTime();
      long nextObservation = weather == null ? Long.MAX_VALUE : weather.nextObservationTime();
      long nextStep = Math.min(nextWorldStep, nextObservation);
      Pending head = inFlight.peek();
      // Safe to deliver: anything generated from now on has event time >= nextStep and is
      // delivered at least MIN_NETWORK_DELAY (weather: MIN_WEATHER_DELAY) later, i.e. after head.
      if (head != null && head.time <= nextStep) {
        inFlight.poll();
        counters.delivered(head.message);
        return head.message;
      }
      if (nextStep == Long.MAX_VALUE) {
        exhausted = true;
        return null;
      }
      if (nextWorldStep <= nextObservation) {
        world.step();
      } else {
        counters.weatherObservationsGenerated++;
        deliverWeather(weather.step());
      }
    }
  }

  /** Weather has its own delivery: no disorder or duplicates, a share arrives minutes late. */
  private void deliverWeather(WeatherObservation observation) {
    long observedAt = observation.getObservedAt().getMillis();
    boolean late = weatherNetwork.chance(config.weatherLateRate());
    long delivery =
        observedAt
            + (late
                ? weatherNetwork.uniformLong(minWeatherLate, maxWeatherLate)
                : weatherNetwork.uniformLong(minWeatherDelay, maxWeatherDelay));
    enqueue(
        delivery,
        new SimulatedMessage(
            FleetTopics.WEATHER_OBSERVATIONS,
            observation.getLocationId(),
            EventJson.weatherToJson(observation),
            new Instant(delivery),
            observation.getObservationId(),
            observation.getObservedAt(),
            null,
            observation,
            SimulatedMessage.Kind.ORIGINAL,
            late ? SimulatedMessage.Delay.LATE : SimulatedMessage.Delay.ON_TIME,
            null));
  }

  /** Called by the fleet model for every event it generates. */
  private void deliver(VehicleEvent event) {
    boolean telemetry = event instanceof TelemetryEvent;
    String payload =
        telemetry
            ? EventJson.telemetryToJson((TelemetryEvent) event)
            : EventJson.bookingToJson((BookingEvent) event);
    String topic = telemetry ? FleetTopics.VEHICLE_EVENTS_RAW : FleetTopics.DOMAIN_EVENTS;
    long eventTime = event.getEventTime().getMillis();

    SimulatedMessage.Delay delay;
    long delivery;
    double u = network.nextDouble();
    if (u < config.lateRate()) {
      delay = SimulatedMessage.Delay.LATE;
      delivery = eventTime + network.uniformLong(minLate, maxLate);
    } else if (u < config.lateRate() + config.outOfOrderRate()) {
      delay = SimulatedMessage.Delay.OUT_OF_ORDER;
      delivery = eventTime + network.uniformLong(minDisorder, maxDisorder);
    } else {
      delay = SimulatedMessage.Delay.ON_TIME;
      delivery = eventTime + network.uniformLong(minNetwork, maxNetwork);
    }
    enqueue(
        delivery,
        new SimulatedMessage(
            topic,
            event.getVehicleId(),
            payload,
            new Instant(delivery),
            event.getEventId(),
            event.getEventTime(),
            event,
            null,
            SimulatedMessage.Kind.ORIGINAL,
            delay,
            null));

    double duplicateRate = telemetry ? config.duplicateRate() : config.bookingDuplicateRate();
    if (network.chance(duplicateRate)) {
      long resend = delivery + network.uniformLong(minDuplicateGap, maxDuplicateGap);
      enqueue(
          resend,
          new SimulatedMessage(
              topic,
              event.getVehicleId(),
              payload,
              new Instant(resend),
              event.getEventId(),
              event.getEventTime(),
              event,
              null,
              SimulatedMessage.Kind.DUPLICATE,
              delay,
              null));
    }

    if (network.chance(config.malformedRate())) {
      String id = network.uuid();
      MalformedPayloads.Malformed bad =
          MalformedPayloads.create(network, telemetry, payload, id, event.getEventTime());
      long at = eventTime + network.uniformLong(minNetwork, maxNetwork);
      enqueue(
          at,
          new SimulatedMessage(
              topic,
              event.getVehicleId(),
              bad.payload(),
              new Instant(at),
              id,
              event.getEventTime(),
              null,
              null,
              SimulatedMessage.Kind.MALFORMED,
              SimulatedMessage.Delay.ON_TIME,
              bad.reason()));
    }
  }

  private void enqueue(long time, SimulatedMessage message) {
    inFlight.add(new Pending(time, deliverySeq++, message));
  }
}
