package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.transforms.FleetGeography;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Geofence excursions and trip confinement, checked against the stream processor's own definition
 * of the operating areas ({@link FleetGeography}, transforms module).
 */
class ExcursionTest {

  /** Each vehicle's home city's operating area, as the stream processor computes it. */
  private static Map<String, FleetGeography.OperatingArea> areaByVehicle(FleetSimulator sim) {
    FleetGeography geography =
        FleetGeography.of(sim.locations(), FleetGeography.DEFAULT_OPERATING_AREA_MARGIN_M);
    Map<String, String> cityOfZone = new HashMap<>();
    for (LocationMetadata l : sim.locations()) {
      cityOfZone.put(l.getLocationId(), l.getCity());
    }
    Map<String, FleetGeography.OperatingArea> out = new HashMap<>();
    for (VehicleMetadata v : sim.vehicles()) {
      out.put(v.getVehicleId(), geography.operatingArea(cityOfZone.get(v.getHomeLocationId())));
    }
    return out;
  }

  private static double metresInside(
      Map<String, FleetGeography.OperatingArea> areas, TelemetryEvent t) {
    return areas.get(t.getVehicleId()).metresInside(t.getLat(), t.getLon());
  }

  @Test
  void confinedTripsNeverLeaveTheArea() {
    SimulatorTestSupport.Run run =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard()
                .duration(Duration.standardHours(3))
                .confineTripsToOperatingArea(true)
                .build());
    Map<String, FleetGeography.OperatingArea> areas = areaByVehicle(run.simulator());
    double closest = Double.MAX_VALUE;
    long readings = 0;
    for (List<TelemetryEvent> telemetry : run.telemetryByVehicle().values()) {
      for (TelemetryEvent t : telemetry) {
        closest = Math.min(closest, metresInside(areas, t));
        readings++;
      }
    }
    assertThat(readings, greaterThan(70_000L));
    // The true paths keep 300 m inside; GPS noise (poor fixes 25-60 m) never eats that.
    assertThat(closest, greaterThan(150.0));
    assertThat(run.simulator().excursions(), empty());
  }

  @Test
  void unconfinedTripsDetourOutOfTheAreaAsBefore() {
    // The default (kept so that existing configs produce the same messages): long detours leave.
    SimulatorTestSupport.Run run = SimulatorTestSupport.run(SimulatorTestSupport.standard().build());
    Map<String, FleetGeography.OperatingArea> areas = areaByVehicle(run.simulator());
    double furthestOut = 0;
    for (List<TelemetryEvent> telemetry : run.telemetryByVehicle().values()) {
      for (TelemetryEvent t : telemetry) {
        furthestOut = Math.min(furthestOut, metresInside(areas, t));
      }
    }
    assertThat(furthestOut, lessThan(-1_000.0));
  }

  /** Everything but the position and heading of each event (booking events whole). */
  private static List<String> withoutPositions(List<VehicleEvent> events) {
    List<String> out = new ArrayList<>();
    for (VehicleEvent e : events) {
      if (e instanceof TelemetryEvent t) {
        out.add(
            t.toBuilder().setLat(0.0).setLon(0.0).setHeadingDeg(0.0).build().toString());
      } else {
        out.add(e.toString());
      }
    }
    return out;
  }

  @Test
  void confinementOnlyMovesPaths() {
    SimulatorConfig unconfined = SimulatorTestSupport.standard().vehicleCount(100).build();
    SimulatorConfig confined = unconfined.toBuilder().confineTripsToOperatingArea(true).build();
    List<VehicleEvent> a = SimulatorTestSupport.run(unconfined).eventsInEventTime();
    List<VehicleEvent> b = SimulatorTestSupport.run(confined).eventsInEventTime();

    assertThat(a, not(equalTo(b)));
    // Same events, ids, times, batteries, odometers, speeds: the same history on other streets.
    assertThat(withoutPositions(a), equalTo(withoutPositions(b)));
  }

  private static SimulatorTestSupport.Run excursionRun;

  /** 200 vehicles for 3 hours, a quarter of the trips excursions (one run for the tests below). */
  private static synchronized SimulatorTestSupport.Run excursions() {
    if (excursionRun == null) {
      excursionRun =
          SimulatorTestSupport.run(
              SimulatorTestSupport.standard()
                  .vehicleCount(200)
                  .duration(Duration.standardHours(3))
                  .excursionRate(0.25)
                  .build());
    }
    return excursionRun;
  }

  @Test
  void excursionsLeaveTheAreaAndComeBack() {
    SimulatorTestSupport.Run run = excursions();
    FleetSimulator sim = run.simulator();
    Map<String, FleetGeography.OperatingArea> areas = areaByVehicle(sim);
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    List<Excursion> excursions = sim.excursions();

    assertThat(excursions.size(), greaterThan(20));
    assertThat((long) excursions.size(), equalTo(sim.stats().excursions()));
    SimulatorTestSupport.assertRate(
        "excursions per rental", excursions.size(), sim.stats().rentalsStarted(), 0.25);
    long previous = Long.MIN_VALUE;
    int complete = 0;
    for (Excursion e : excursions) {
      assertThat(e.leftAt().getMillis(), greaterThanOrEqualTo(previous));
      previous = e.leftAt().getMillis();
      assertThat(e.city(), equalTo(areas.get(e.vehicleId()).city()));
      if (e.returnedAt() == null) {
        continue; // still out when the run ended
      }
      complete++;
      assertThat(e.returnedAt(), greaterThan(e.leftAt()));
      int farOut = 0;
      for (TelemetryEvent t : telemetry.get(e.vehicleId())) {
        long time = t.getEventTime().getMillis();
        if (time >= e.leftAt().getMillis()
            && time < e.returnedAt().getMillis()
            && metresInside(areas, t) < -500) {
          farOut++;
        }
      }
      assertThat(e.toString(), farOut, greaterThanOrEqualTo(2));
    }
    assertThat(complete, greaterThan(excursions.size() / 2));
  }

  @Test
  void everyReadingOutsideTheAreaBelongsToAnExcursion() {
    SimulatorTestSupport.Run run = excursions();
    Map<String, FleetGeography.OperatingArea> areas = areaByVehicle(run.simulator());
    Map<String, List<Excursion>> byVehicle = new HashMap<>();
    for (Excursion e : run.simulator().excursions()) {
      byVehicle.computeIfAbsent(e.vehicleId(), k -> new ArrayList<>()).add(e);
    }
    long end = run.simulator().config().end().getMillis();
    int outside = 0;
    for (List<TelemetryEvent> telemetry : run.telemetryByVehicle().values()) {
      for (TelemetryEvent t : telemetry) {
        double inside = metresInside(areas, t);
        if (inside >= 0) {
          continue;
        }
        outside++;
        long time = t.getEventTime().getMillis();
        // GPS noise may put a reading near the crossing on the other side: 30 s of slack.
        boolean explained = false;
        for (Excursion e : byVehicle.getOrDefault(t.getVehicleId(), List.of())) {
          long back = e.returnedAt() == null ? end : e.returnedAt().getMillis();
          explained |= time >= e.leftAt().getMillis() - 30_000 && time <= back + 30_000;
        }
        assertThat(t + " is " + (-inside) + " m outside", explained, equalTo(true));
      }
    }
    assertThat(outside, greaterThan(1_000));
  }

  @Test
  void excursionsKeepTheBatteryReserve() {
    SimulatorTestSupport.Run run = excursions();
    Map<String, List<BookingEvent>> bookings = run.bookingsByVehicle();
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    int checked = 0;
    for (Excursion e : run.simulator().excursions()) {
      if (e.returnedAt() == null) {
        continue;
      }
      // The return after the excursion, and the reading the lock sends with it.
      BookingEvent ret =
          bookings.get(e.vehicleId()).stream()
              .filter(b -> b.getEventType() == BookingEventType.RETURN_COMPLETED)
              .filter(b -> b.getEventTime().isAfter(e.returnedAt()))
              .findFirst()
              .orElse(null);
      if (ret == null) {
        continue; // the run ended first
      }
      TelemetryEvent atReturn =
          telemetry.get(e.vehicleId()).stream()
              .filter(t -> !t.getEventTime().isBefore(ret.getEventTime()))
              .findFirst()
              .orElseThrow();
      // Planned to leave 5 %; idle drain on the way costs at most ~0.5 %.
      assertThat(e + " " + atReturn, atReturn.getBatteryPct(), greaterThanOrEqualTo(4.0));
      checked++;
    }
    System.out.println("excursions " + run.simulator().excursions().size() + ", reserve checked " + checked);
    assertThat(checked, greaterThan(15));
  }
}
