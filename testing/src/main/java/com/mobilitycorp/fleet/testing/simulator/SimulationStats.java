package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a simulation's counters. "Generated" counts events as the fleet model produces them
 * (event time); the message counts are of what the iterator has handed out so far (delivery time),
 * so after the iterator is exhausted every generated event has been delivered at least once.
 */
public final class SimulationStats {
  // fleet model (events as generated)
  final long telemetryEventsGenerated;
  final long bookingEventsGenerated;
  final long bookingRequests;
  final long unservedBookingRequests;
  final long bookingsCreated;
  final long bookingsCancelled;
  final long rentalsStarted;
  final long returnsCompleted;
  final long batterySwaps;
  final long maintenanceIncidents;
  final long batteryFaults;
  final long excursions;
  final long surgeRequests;
  final long unservedSurgeRequests;
  final long surgeBookingsCreated;
  // weather model
  final long weatherObservationsGenerated;
  // wire (messages as delivered)
  final long telemetryMessages;
  final long bookingMessages;
  final long weatherMessages;
  final long originals;
  final long duplicates;
  final long outOfOrder;
  final long late;
  final long lateWeather;
  final long malformed;
  final Map<DeadLetterReason, Long> malformedByReason;

  private SimulationStats(Counters c) {
    this.telemetryEventsGenerated = c.telemetryEventsGenerated;
    this.bookingEventsGenerated = c.bookingEventsGenerated;
    this.bookingRequests = c.bookingRequests;
    this.unservedBookingRequests = c.unservedBookingRequests;
    this.bookingsCreated = c.bookingsCreated;
    this.bookingsCancelled = c.bookingsCancelled;
    this.rentalsStarted = c.rentalsStarted;
    this.returnsCompleted = c.returnsCompleted;
    this.batterySwaps = c.batterySwaps;
    this.maintenanceIncidents = c.maintenanceIncidents;
    this.batteryFaults = c.batteryFaults;
    this.excursions = c.excursions;
    this.surgeRequests = c.surgeRequests;
    this.unservedSurgeRequests = c.unservedSurgeRequests;
    this.surgeBookingsCreated = c.surgeBookingsCreated;
    this.weatherObservationsGenerated = c.weatherObservationsGenerated;
    this.telemetryMessages = c.telemetryMessages;
    this.bookingMessages = c.bookingMessages;
    this.weatherMessages = c.weatherMessages;
    this.originals = c.originals;
    this.duplicates = c.duplicates;
    this.outOfOrder = c.outOfOrder;
    this.late = c.late;
    this.lateWeather = c.lateWeather;
    this.malformed = c.malformed;
    EnumMap<DeadLetterReason, Long> byReason = new EnumMap<>(DeadLetterReason.class);
    for (DeadLetterReason r : DeadLetterReason.values()) {
      if (c.malformedByReason[r.ordinal()] > 0) {
        byReason.put(r, c.malformedByReason[r.ordinal()]);
      }
    }
    this.malformedByReason = Collections.unmodifiableMap(byReason);
  }

  /** Telemetry events generated (each delivered once as an original, maybe also duplicated). */
  public long telemetryEventsGenerated() {
    return telemetryEventsGenerated;
  }

  /** Booking events generated. */
  public long bookingEventsGenerated() {
    return bookingEventsGenerated;
  }

  /** Weather observations taken (each delivered exactly once). */
  public long weatherObservationsGenerated() {
    return weatherObservationsGenerated;
  }

  /**
   * Events generated on the given topic ({@link FleetTopics#VEHICLE_EVENTS_RAW}, DOMAIN_EVENTS or
   * WEATHER_OBSERVATIONS).
   */
  public long eventsGenerated(String topic) {
    if (FleetTopics.VEHICLE_EVENTS_RAW.equals(topic)) {
      return telemetryEventsGenerated;
    }
    if (FleetTopics.DOMAIN_EVENTS.equals(topic)) {
      return bookingEventsGenerated;
    }
    if (FleetTopics.WEATHER_OBSERVATIONS.equals(topic)) {
      return weatherObservationsGenerated;
    }
    return 0;
  }

  /**
   * Customer booking requests (Poisson arrivals, plus the {@link #surgeRequests()}), served or not.
   */
  public long bookingRequests() {
    return bookingRequests;
  }

  /**
   * Requests that found no available vehicle in their zone (lost demand; {@link
   * #unservedSurgeRequests()} included).
   */
  public long unservedBookingRequests() {
    return unservedBookingRequests;
  }

  /** Bookings created: {@code bookingRequests() - unservedBookingRequests()}, surge ones included. */
  public long bookingsCreated() {
    return bookingsCreated;
  }

  /** Extra requests of the configured demand surges made so far (see {@link FleetSimulator#demandSurges()}). */
  public long surgeRequests() {
    return surgeRequests;
  }

  /** Surge requests that found no bookable vehicle in their zone. */
  public long unservedSurgeRequests() {
    return unservedSurgeRequests;
  }

  /** Bookings created by surge requests: {@code surgeRequests() - unservedSurgeRequests()}. */
  public long surgeBookingsCreated() {
    return surgeBookingsCreated;
  }

  public long bookingsCancelled() {
    return bookingsCancelled;
  }

  public long rentalsStarted() {
    return rentalsStarted;
  }

  public long returnsCompleted() {
    return returnsCompleted;
  }

  /** Battery swaps / ops charges started. */
  public long batterySwaps() {
    return batterySwaps;
  }

  /** Maintenance periods started. */
  public long maintenanceIncidents() {
    return maintenanceIncidents;
  }

  /** Injected battery faults started (see {@link FleetSimulator#batteryFaults()}). */
  public long batteryFaults() {
    return batteryFaults;
  }

  /** Injected excursions whose vehicle has left the operating area (see {@link FleetSimulator#excursions()}). */
  public long excursions() {
    return excursions;
  }

  /** Messages delivered on {@code veh.events.raw} (originals, duplicates and malformed). */
  public long telemetryMessages() {
    return telemetryMessages;
  }

  /** Messages delivered on {@code domain.events} (originals, duplicates and malformed). */
  public long bookingMessages() {
    return bookingMessages;
  }

  /** Messages delivered on {@code weather.observations}. */
  public long weatherMessages() {
    return weatherMessages;
  }

  /** Messages delivered on the given topic. */
  public long messages(String topic) {
    if (FleetTopics.VEHICLE_EVENTS_RAW.equals(topic)) {
      return telemetryMessages;
    }
    if (FleetTopics.DOMAIN_EVENTS.equals(topic)) {
      return bookingMessages;
    }
    if (FleetTopics.WEATHER_OBSERVATIONS.equals(topic)) {
      return weatherMessages;
    }
    return 0;
  }

  public long totalMessages() {
    return telemetryMessages + bookingMessages + weatherMessages;
  }

  public long duplicates() {
    return duplicates;
  }

  /** Originals delivered, weather observations included. */
  public long originals() {
    return originals;
  }

  /** Originals delivered out of order (delayed 5 s .. maxDisorder). */
  public long outOfOrder() {
    return outOfOrder;
  }

  /** Vehicle events delivered late (beyond the allowed lateness). */
  public long late() {
    return late;
  }

  /** Weather observations delivered late (1 .. 4 min after observed_at). */
  public long lateWeather() {
    return lateWeather;
  }

  public long malformed() {
    return malformed;
  }

  /** Malformed messages delivered, by the dead-letter reason they should get. */
  public Map<DeadLetterReason, Long> malformedByReason() {
    return malformedByReason;
  }

  @Override
  public String toString() {
    return "SimulationStats{telemetryEvents="
        + telemetryEventsGenerated
        + ", bookingEvents="
        + bookingEventsGenerated
        + ", bookingRequests="
        + bookingRequests
        + ", unserved="
        + unservedBookingRequests
        + ", created="
        + bookingsCreated
        + ", cancelled="
        + bookingsCancelled
        + ", started="
        + rentalsStarted
        + ", returned="
        + returnsCompleted
        + ", swaps="
        + batterySwaps
        + ", maintenance="
        + maintenanceIncidents
        + ", batteryFaults="
        + batteryFaults
        + ", excursions="
        + excursions
        + ", surgeRequests="
        + surgeRequests
        + ", surgeBookings="
        + surgeBookingsCreated
        + ", weatherObservations="
        + weatherObservationsGenerated
        + ", telemetryMessages="
        + telemetryMessages
        + ", bookingMessages="
        + bookingMessages
        + ", weatherMessages="
        + weatherMessages
        + ", duplicates="
        + duplicates
        + ", outOfOrder="
        + outOfOrder
        + ", late="
        + late
        + ", lateWeather="
        + lateWeather
        + ", malformed="
        + malformed
        + " "
        + malformedByReason
        + "}";
  }

  /** The simulator's live, mutable counters. */
  static final class Counters {
    long telemetryEventsGenerated;
    long bookingEventsGenerated;
    long bookingRequests;
    long unservedBookingRequests;
    long bookingsCreated;
    long bookingsCancelled;
    long rentalsStarted;
    long returnsCompleted;
    long batterySwaps;
    long maintenanceIncidents;
    long batteryFaults;
    long excursions;
    long surgeRequests;
    long unservedSurgeRequests;
    long surgeBookingsCreated;
    long weatherObservationsGenerated;
    long telemetryMessages;
    long bookingMessages;
    long weatherMessages;
    long originals;
    long duplicates;
    long outOfOrder;
    long late;
    long lateWeather;
    long malformed;
    final long[] malformedByReason = new long[DeadLetterReason.values().length];

    void delivered(SimulatedMessage m) {
      boolean weather = FleetTopics.WEATHER_OBSERVATIONS.equals(m.topic());
      if (FleetTopics.VEHICLE_EVENTS_RAW.equals(m.topic())) {
        telemetryMessages++;
      } else if (weather) {
        weatherMessages++;
      } else {
        bookingMessages++;
      }
      switch (m.kind()) {
        case ORIGINAL:
          originals++;
          if (weather) {
            // Weather's own late class (minutes) is no lateness problem for the vehicle pipeline.
            lateWeather += m.delay() == SimulatedMessage.Delay.LATE ? 1 : 0;
          } else if (m.delay() == SimulatedMessage.Delay.OUT_OF_ORDER) {
            outOfOrder++;
          } else if (m.delay() == SimulatedMessage.Delay.LATE) {
            late++;
          }
          break;
        case DUPLICATE:
          duplicates++;
          break;
        case MALFORMED:
          malformed++;
          malformedByReason[m.expectedReason().ordinal()]++;
          break;
      }
    }

    SimulationStats snapshot() {
      return new SimulationStats(this);
    }
  }
}
