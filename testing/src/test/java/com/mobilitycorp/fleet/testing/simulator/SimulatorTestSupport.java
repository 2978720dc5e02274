package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** Runs simulations to the end and indexes what they produced. */
final class SimulatorTestSupport {

  /** A finished run: the simulator (final state, stats) and every message in delivery order. */
  record Run(FleetSimulator simulator, List<SimulatedMessage> messages) {
    List<SimulatedMessage> originals() {
      return messages.stream().filter(m -> m.kind() == SimulatedMessage.Kind.ORIGINAL).toList();
    }

    /** Messages of the weather topic, in delivery order. */
    List<SimulatedMessage> weather() {
      return messages.stream().filter(SimulatedMessage::isWeather).toList();
    }

    /** Every message but the weather, in delivery order. */
    List<SimulatedMessage> vehicleMessages() {
      return messages.stream().filter(m -> !m.isWeather()).toList();
    }

    /**
     * Every generated vehicle event once, by event time (then id; per vehicle and type times are
     * distinct).
     */
    List<VehicleEvent> eventsInEventTime() {
      List<VehicleEvent> events = new ArrayList<>();
      for (SimulatedMessage m : originals()) {
        if (m.event() != null) {
          events.add(m.event());
        }
      }
      events.sort(
          Comparator.comparing(VehicleEvent::getEventTime).thenComparing(VehicleEvent::getEventId));
      return events;
    }

    /** Telemetry per vehicle id, in event-time order. */
    Map<String, List<TelemetryEvent>> telemetryByVehicle() {
      Map<String, List<TelemetryEvent>> out = new TreeMap<>();
      for (VehicleEvent e : eventsInEventTime()) {
        if (e instanceof TelemetryEvent) {
          out.computeIfAbsent(e.getVehicleId(), k -> new ArrayList<>()).add((TelemetryEvent) e);
        }
      }
      return out;
    }

    /** Booking events per vehicle id, in event-time order. */
    Map<String, List<BookingEvent>> bookingsByVehicle() {
      Map<String, List<BookingEvent>> out = new TreeMap<>();
      for (VehicleEvent e : eventsInEventTime()) {
        if (e instanceof BookingEvent) {
          out.computeIfAbsent(e.getVehicleId(), k -> new ArrayList<>()).add((BookingEvent) e);
        }
      }
      return out;
    }
  }

  /** 300 vehicles, 2 hours from 07:00 Berlin time: about 50k messages. */
  static SimulatorConfig.Builder standard() {
    return SimulatorConfig.builder()
        .seed(7)
        .vehicleCount(300)
        .locationCount(24)
        .start(Instant.parse("2026-11-25T06:00:00Z"))
        .duration(Duration.standardHours(2));
  }

  /** |observed - expected| within 5 standard deviations of a binomial (plus one for tiny counts). */
  static void assertRate(String what, long observed, long trials, double p) {
    double expected = trials * p;
    double tolerance = 5 * Math.sqrt(trials * p * (1 - p)) + 1;
    assertThat(
        what + ": " + observed + " of " + trials + " (expected ~" + Math.round(expected) + ")",
        (double) observed,
        allOf(greaterThanOrEqualTo(expected - tolerance), lessThanOrEqualTo(expected + tolerance)));
  }

  static Run run(SimulatorConfig config) {
    FleetSimulator sim = new FleetSimulator(config);
    List<SimulatedMessage> messages = new ArrayList<>();
    Iterator<SimulatedMessage> it = sim.messages();
    while (it.hasNext()) {
      messages.add(it.next());
    }
    return new Run(sim, messages);
  }

  /**
   * "count sha256" of everything a run's messages say, in delivery order: topic, key, delivery and
   * event times, ids, labels and every field of the events (not the JSON payload bytes, so that a
   * change of the wire encoding in the io module does not move it; the payloads are functions of
   * these fields).
   */
  static String fingerprint(SimulatorConfig config) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    FleetSimulator sim = new FleetSimulator(config);
    long n = 0;
    for (Iterator<SimulatedMessage> it = sim.messages(); it.hasNext(); ) {
      SimulatedMessage m = it.next();
      StringBuilder s = new StringBuilder();
      s.append(m.topic()).append('|').append(m.key()).append('|').append(m.deliveryTime().getMillis())
          .append('|').append(m.eventId()).append('|').append(m.eventTime().getMillis()).append('|')
          .append(m.kind()).append('|').append(m.delay()).append('|').append(m.expectedReason());
      TelemetryEvent t = m.telemetry();
      if (t != null) {
        s.append('|').append(t.getVehicleId()).append('|').append(t.getLat()).append('|').append(t.getLon())
            .append('|').append(t.getBatteryPct()).append('|').append(t.getOperationalStatus())
            .append('|').append(t.getSpeedKmh()).append('|').append(t.getHeadingDeg())
            .append('|').append(t.getOdometerKm()).append('|').append(t.getGpsAccuracyM())
            .append('|').append(t.getEstimatedRangeM()).append('|').append(t.getLocked());
      }
      BookingEvent b = m.booking();
      if (b != null) {
        s.append('|').append(b.getEventType()).append('|').append(b.getBookingId()).append('|')
            .append(b.getVehicleId()).append('|').append(b.getLocationId()).append('|')
            .append(b.getBookingStart().getMillis()).append('|')
            .append(b.getBookingEnd() == null ? "-" : String.valueOf(b.getBookingEnd().getMillis()));
      }
      WeatherObservation w = m.weather();
      if (w != null) {
        s.append('|').append(w.getObservationId());
      }
      s.append('\n');
      md.update(s.toString().getBytes(StandardCharsets.UTF_8));
      n++;
    }
    StringBuilder hex = new StringBuilder();
    for (byte x : md.digest()) {
      hex.append(String.format("%02x", x));
    }
    return n + " " + hex;
  }

  private SimulatorTestSupport() {}
}
