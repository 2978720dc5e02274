package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Injected battery faults: ground truth, and what the telemetry shows during and outside them. */
class BatteryFaultTest {
  private static final double HOUR_MS = 3_600_000.0;
  /** Two readings each rounded to 0.1 %. */
  private static final double ROUNDING = 0.1 + 1e-9;

  private static SimulatorTestSupport.Run run;

  @BeforeAll
  static void simulate() {
    run =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard()
                .vehicleCount(200)
                .duration(Duration.standardHours(4))
                .batteryFaultRatePerVehicleDay(1.5)
                .build());
  }

  private static long end(BatteryFault f) {
    return f.end() != null ? f.end().getMillis() : run.simulator().config().end().getMillis();
  }

  /** Consecutive readings of one vehicle, both parked (speed 0) and operational. */
  private static boolean parkedPair(TelemetryEvent a, TelemetryEvent b) {
    return a.getSpeedKmh() == 0.0
        && b.getSpeedKmh() == 0.0
        && a.getOperationalStatus() == OperationalStatus.OPERATIONAL
        && b.getOperationalStatus() == OperationalStatus.OPERATIONAL;
  }

  @Test
  void groundTruthIsWellFormed() {
    List<BatteryFault> faults = run.simulator().batteryFaults();
    assertThat(faults, not(empty()));
    assertThat((long) faults.size(), equalTo(run.simulator().stats().batteryFaults()));
    Instant previous = new Instant(Long.MIN_VALUE);
    int ended = 0;
    for (BatteryFault f : faults) {
      assertThat(f.start(), greaterThanOrEqualTo(previous));
      previous = f.start();
      assertThat(f.drainPctPerHour(), greaterThanOrEqualTo(6.0));
      assertThat(f.drainPctPerHour(), lessThan(20.0));
      if (f.end() != null) {
        ended++;
        assertThat(f.end(), greaterThan(f.start()));
        assertThat(f.end().getMillis() - f.start().getMillis(), lessThanOrEqualTo(120 * 60_000L));
      }
    }
    assertThat(ended, greaterThan(faults.size() / 2));
    org.junit.jupiter.api.Assertions.assertThrows(
        UnsupportedOperationException.class, () -> faults.add(faults.get(0)));
  }

  @Test
  void faultsStrikeParkedAvailableVehiclesOneAtATime() {
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    Map<String, List<BookingEvent>> bookings = run.bookingsByVehicle();
    Map<String, Long> lastEnd = new java.util.HashMap<>();
    for (BatteryFault f : run.simulator().batteryFaults()) {
      long start = f.start().getMillis();
      assertThat(f.vehicleId(), start, greaterThanOrEqualTo(lastEnd.getOrDefault(f.vehicleId(), 0L)));
      lastEnd.put(f.vehicleId(), end(f));
      // Not reserved or rented at the start.
      BookingEvent lastBooking = null;
      for (BookingEvent b : bookings.getOrDefault(f.vehicleId(), List.of())) {
        if (b.getEventTime().getMillis() <= start) {
          lastBooking = b;
        }
        // A rental start ends the fault at once: none happens while it lasts.
        if (b.getEventType() == BookingEventType.RENTAL_STARTED) {
          long t = b.getEventTime().getMillis();
          assertThat(f + " vs rental at " + b.getEventTime(), t < start || t >= end(f), equalTo(true));
        }
      }
      if (lastBooking != null) {
        assertThat(
            lastBooking.getEventType(),
            org.hamcrest.Matchers.anyOf(
                equalTo(BookingEventType.BOOKING_CANCELLED),
                equalTo(BookingEventType.RETURN_COMPLETED)));
      }
      // Operational and parked throughout (the reading at the end may be a swap's or the
      // workshop's, which ended it).
      for (TelemetryEvent t : telemetry.get(f.vehicleId())) {
        long time = t.getEventTime().getMillis();
        if (time >= start && time < end(f)) {
          assertThat(t.getOperationalStatus(), equalTo(OperationalStatus.OPERATIONAL));
          assertThat(t.getSpeedKmh(), equalTo(0.0));
        }
      }
    }
  }

  @Test
  void readingsDuringAFaultShowTheFastDrain() {
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    int pairs = 0;
    int longFaults = 0;
    for (BatteryFault f : run.simulator().batteryFaults()) {
      List<TelemetryEvent> inside = new ArrayList<>();
      for (TelemetryEvent t : telemetry.get(f.vehicleId())) {
        long time = t.getEventTime().getMillis();
        if (time >= f.start().getMillis() && time <= end(f)) {
          inside.add(t);
        }
      }
      for (int i = 1; i < inside.size(); i++) {
        TelemetryEvent a = inside.get(i - 1);
        TelemetryEvent b = inside.get(i);
        double hours = (b.getEventTime().getMillis() - a.getEventTime().getMillis()) / HOUR_MS;
        double drop = a.getBatteryPct() - b.getBatteryPct();
        // Exactly the fault's drain, up to the readings' rounding (60 s apart: 0.1-0.33 %).
        assertThat(f + " " + a + " -> " + b, drop, closeTo(f.drainPctPerHour() * hours, ROUNDING));
        pairs++;
      }
      if (inside.size() >= 10) {
        longFaults++;
        TelemetryEvent first = inside.get(0);
        TelemetryEvent last = inside.get(inside.size() - 1);
        double hours =
            (last.getEventTime().getMillis() - first.getEventTime().getMillis()) / HOUR_MS;
        double drainPerHour = (first.getBatteryPct() - last.getBatteryPct()) / hours;
        assertThat(f.toString(), drainPerHour, greaterThanOrEqualTo(6.0 - ROUNDING / hours));
        assertThat(f.toString(), drainPerHour, closeTo(f.drainPctPerHour(), ROUNDING / hours));
      }
    }
    assertThat(pairs, greaterThan(500));
    assertThat(longFaults, greaterThan(10));
  }

  @Test
  void readingsOutsideFaultsShowTheNormalIdleDrain() {
    Map<String, List<BatteryFault>> faultsByVehicle = new java.util.HashMap<>();
    for (BatteryFault f : run.simulator().batteryFaults()) {
      faultsByVehicle.computeIfAbsent(f.vehicleId(), k -> new ArrayList<>()).add(f);
    }
    int stretches = 0;
    for (Map.Entry<String, List<TelemetryEvent>> e : run.telemetryByVehicle().entrySet()) {
      List<BatteryFault> faults = faultsByVehicle.getOrDefault(e.getKey(), List.of());
      List<TelemetryEvent> readings = e.getValue();
      int from = 0; // start of the current parked stretch outside faults
      for (int i = 1; i <= readings.size(); i++) {
        boolean continues = false;
        if (i < readings.size()) {
          TelemetryEvent a = readings.get(i - 1);
          TelemetryEvent b = readings.get(i);
          long ta = a.getEventTime().getMillis();
          long tb = b.getEventTime().getMillis();
          boolean inFault = false;
          for (BatteryFault f : faults) {
            inFault |= tb >= f.start().getMillis() && ta <= end(f);
          }
          continues = parkedPair(a, b) && !inFault;
          if (continues) {
            double drop = a.getBatteryPct() - b.getBatteryPct();
            assertThat(a + " -> " + b, drop, lessThanOrEqualTo(0.4 * (tb - ta) / HOUR_MS + ROUNDING));
          }
        }
        if (!continues) {
          TelemetryEvent first = readings.get(from);
          TelemetryEvent last = readings.get(i - 1);
          double hours = (last.getEventTime().getMillis() - first.getEventTime().getMillis()) / HOUR_MS;
          if (hours >= 0.5) {
            stretches++;
            double drainPerHour = (first.getBatteryPct() - last.getBatteryPct()) / hours;
            // Scooters 0.4 %/h, bikes 0.25, cars 0.1: nowhere near a fault's 6+.
            assertThat(first + " .. " + last, drainPerHour, lessThanOrEqualTo(0.4 + ROUNDING / hours));
          }
          from = i;
        }
      }
    }
    assertThat(stretches, greaterThan(100));
  }

  @Test
  void faultsOffMeansNoneAndNoFastDrain() {
    SimulatorTestSupport.Run off =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard().vehicleCount(60).duration(Duration.standardHours(2)).build());
    assertThat(off.simulator().batteryFaults(), empty());
    assertThat(off.simulator().stats().batteryFaults(), equalTo(0L));
    for (List<TelemetryEvent> readings : off.telemetryByVehicle().values()) {
      for (int i = 1; i < readings.size(); i++) {
        TelemetryEvent a = readings.get(i - 1);
        TelemetryEvent b = readings.get(i);
        if (parkedPair(a, b)) {
          double hours = (b.getEventTime().getMillis() - a.getEventTime().getMillis()) / HOUR_MS;
          assertThat(a.getBatteryPct() - b.getBatteryPct(), lessThanOrEqualTo(0.4 * hours + ROUNDING));
        }
      }
    }
  }

  @Test
  void faultsInProgressAreReportedWhileTheStreamIsRead() {
    FleetSimulator sim =
        new FleetSimulator(
            SimulatorTestSupport.standard()
                .vehicleCount(100)
                .duration(Duration.standardMinutes(150))
                .batteryFaultRatePerVehicleDay(10)
                .build());
    java.util.Iterator<SimulatedMessage> it = sim.messages();
    while (it.hasNext() && sim.batteryFaults().isEmpty()) {
      it.next();
    }
    BatteryFault first = sim.batteryFaults().get(0);
    assertThat(first.start(), lessThanOrEqualTo(sim.generatedUntil()));
    assertThat(first.end(), equalTo(null)); // just started
    assertThat(first.start(), lessThan(sim.config().start().plus(Duration.standardMinutes(25))));
    while (it.hasNext()) {
      it.next();
    }
    assertThat(sim.batteryFaults().get(0).start(), equalTo(first.start()));
    assertThat(sim.batteryFaults().get(0).end(), notNullValue()); // at most 120 minutes later
  }
}
