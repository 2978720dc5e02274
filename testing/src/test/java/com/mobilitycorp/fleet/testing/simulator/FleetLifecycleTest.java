package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fleet model: booking lifecycles, trips, battery swaps and maintenance behave like a fleet. */
class FleetLifecycleTest {
  private static final long MINUTE = 60_000L;

  private static SimulatorTestSupport.Run run;
  private static Map<String, VehicleMetadata> vehicles;
  private static Map<String, LocationMetadata> locations;
  private static Map<String, List<TelemetryEvent>> telemetry;
  private static Map<String, List<BookingEvent>> bookingsByVehicle;
  private static Map<String, List<BookingEvent>> bookingsById;

  @BeforeAll
  static void generate() {
    run =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard()
                .duration(Duration.standardHours(3))
                .bookingsPerVehiclePerDay(15)
                .maintenanceRatePerVehicleDay(0.5)
                .build());
    vehicles = new HashMap<>();
    run.simulator().vehicles().forEach(v -> vehicles.put(v.getVehicleId(), v));
    locations = new HashMap<>();
    run.simulator().locations().forEach(l -> locations.put(l.getLocationId(), l));
    telemetry = run.telemetryByVehicle();
    bookingsByVehicle = run.bookingsByVehicle();
    bookingsById = new LinkedHashMap<>();
    for (List<BookingEvent> list : bookingsByVehicle.values()) {
      for (BookingEvent b : list) {
        bookingsById.computeIfAbsent(b.getBookingId(), k -> new ArrayList<>()).add(b);
      }
    }
  }

  @Test
  void bookingsFollowTheLifecycle() {
    Map<BookingEventType, Integer> counts = new HashMap<>();
    for (Map.Entry<String, List<BookingEvent>> e : bookingsById.entrySet()) {
      List<BookingEvent> events = e.getValue();
      events.sort(Comparator.comparing(BookingEvent::getEventTime));
      List<BookingEventType> types = events.stream().map(BookingEvent::getEventType).toList();
      assertThat(
          e.getKey() + " " + types,
          types,
          anyOf(
              equalTo(List.of(BookingEventType.BOOKING_CREATED)),
              equalTo(List.of(BookingEventType.BOOKING_CREATED, BookingEventType.BOOKING_CANCELLED)),
              equalTo(List.of(BookingEventType.BOOKING_CREATED, BookingEventType.RENTAL_STARTED)),
              equalTo(
                  List.of(
                      BookingEventType.BOOKING_CREATED,
                      BookingEventType.RENTAL_STARTED,
                      BookingEventType.RETURN_COMPLETED))));
      types.forEach(t -> counts.merge(t, 1, Integer::sum));

      BookingEvent created = events.get(0);
      for (BookingEvent b : events) {
        assertThat(b.getVehicleId(), equalTo(created.getVehicleId()));
        assertThat(b.getBookingStart(), equalTo(created.getEventTime()));
        boolean closing =
            b.getEventType() == BookingEventType.BOOKING_CANCELLED
                || b.getEventType() == BookingEventType.RETURN_COMPLETED;
        assertThat(b.getBookingEnd(), closing ? equalTo((Object) b.getEventTime()) : nullValue());
        assertThat(locations.containsKey(b.getLocationId()), equalTo(true));
        if (b.getEventType() != BookingEventType.RETURN_COMPLETED) {
          assertThat("pickup zone", b.getLocationId(), equalTo(created.getLocationId()));
        }
      }
      if (events.size() > 1) {
        long wait = events.get(1).getEventTime().getMillis() - created.getEventTime().getMillis();
        assertThat(wait, allOf(greaterThanOrEqualTo(MINUTE), lessThanOrEqualTo(10 * MINUTE)));
      }
      if (events.size() == 3) {
        long trip = events.get(2).getEventTime().getMillis() - events.get(1).getEventTime().getMillis();
        boolean car = vehicles.get(created.getVehicleId()).getVehicleType() == VehicleType.CAR;
        assertThat(
            trip,
            allOf(
                greaterThanOrEqualTo((car ? 10 : 5) * MINUTE - 1_000),
                lessThanOrEqualTo((car ? 75 : 40) * MINUTE + 1_000)));
      }
    }
    assertThat(counts.get(BookingEventType.BOOKING_CREATED), greaterThan(300));
    assertThat(counts.get(BookingEventType.RETURN_COMPLETED), greaterThan(200));
    // ~10% cancellations
    double cancelled =
        counts.get(BookingEventType.BOOKING_CANCELLED)
            / (double)
                (counts.get(BookingEventType.BOOKING_CANCELLED)
                    + counts.get(BookingEventType.RENTAL_STARTED));
    assertThat(cancelled, allOf(greaterThan(0.04), lessThan(0.18)));
  }

  @Test
  void aVehicleNeverHasTwoOpenBookings() {
    for (Map.Entry<String, List<BookingEvent>> e : bookingsByVehicle.entrySet()) {
      String open = null;
      for (BookingEvent b : e.getValue()) {
        if (b.getEventType() == BookingEventType.BOOKING_CREATED) {
          assertThat(e.getKey() + " booked while " + open + " is open", open, nullValue());
          open = b.getBookingId();
        } else {
          assertThat(b.getBookingId(), equalTo(open));
          if (b.getEventType() != BookingEventType.RENTAL_STARTED) {
            open = null;
          }
        }
      }
    }
  }

  @Test
  void onlyAvailableVehiclesAreBookedAndTheyAreInThePickupZone() {
    int checked = 0;
    for (Map.Entry<String, List<BookingEvent>> e : bookingsByVehicle.entrySet()) {
      for (BookingEvent b : e.getValue()) {
        if (b.getEventType() != BookingEventType.BOOKING_CREATED) {
          continue;
        }
        TelemetryEvent before = lastTelemetryAtOrBefore(e.getKey(), b.getEventTime());
        if (before == null) {
          continue; // booked before its first report
        }
        checked++;
        assertThat(before.getOperationalStatus(), equalTo(OperationalStatus.OPERATIONAL));
        assertThat(before.getBatteryPct(), greaterThanOrEqualTo(20.0));
        assertThat(before.getSpeedKmh(), equalTo(0.0));
        assertInZone(before, b.getLocationId());
      }
    }
    assertThat(checked, greaterThan(300));
  }

  @Test
  void tripsMoveFromPickupToTheReturnZone() {
    int trips = 0;
    for (List<BookingEvent> events : bookingsById.values()) {
      if (events.size() != 3) {
        continue;
      }
      trips++;
      String vehicle = events.get(0).getVehicleId();
      Instant started = events.get(1).getEventTime();
      Instant returned = events.get(2).getEventTime();
      List<TelemetryEvent> during = new ArrayList<>();
      TelemetryEvent unlock = null;
      TelemetryEvent lock = null;
      for (TelemetryEvent t : telemetry.get(vehicle)) {
        if (t.getEventTime().equals(started)) {
          unlock = t;
        } else if (t.getEventTime().equals(returned)) {
          lock = t;
        } else if (t.getEventTime().isAfter(started) && t.getEventTime().isBefore(returned)) {
          during.add(t);
        }
      }
      boolean hasLock = vehicles.get(vehicle).getVehicleType() != VehicleType.CAR;
      assertThat("unlock report at rental start", unlock, notNullValue());
      assertThat("lock report at return", lock, notNullValue());
      assertThat(unlock.getLocked(), hasLock ? equalTo((Object) false) : nullValue());
      assertThat(lock.getLocked(), hasLock ? equalTo((Object) true) : nullValue());
      assertThat(during.size(), greaterThan(20)); // >= 5 min at one report per 10 s
      double distance = 0;
      for (int i = 0; i < during.size(); i++) {
        TelemetryEvent t = during.get(i);
        assertThat(t.getSpeedKmh(), greaterThan(0.0));
        assertThat(t.getLocked(), hasLock ? equalTo((Object) false) : nullValue());
        assertThat(t.getOperationalStatus(), equalTo(OperationalStatus.OPERATIONAL));
        if (i > 0) {
          TelemetryEvent p = during.get(i - 1);
          distance += Geo.distanceM(p.getLat(), p.getLon(), t.getLat(), t.getLon());
          assertThat(t.getBatteryPct(), lessThanOrEqualTo(p.getBatteryPct()));
        }
      }
      assertThat(distance, greaterThan(500.0));
      // Speeds plausible for the type, average over the trip included.
      double avgSpeed =
          during.stream().mapToDouble(TelemetryEvent::getSpeedKmh).average().orElseThrow();
      VehicleType type = vehicles.get(vehicle).getVehicleType();
      assertThat(avgSpeed, type == VehicleType.CAR ? allOf(greaterThan(18.0), lessThan(45.0))
          : allOf(greaterThan(10.0), lessThan(22.0)));
      assertThat(lock.getSpeedKmh(), equalTo(0.0));
      assertInZone(lock, events.get(2).getLocationId());
      assertThat(lock.getBatteryPct(), lessThan(unlock.getBatteryPct()));
    }
    assertThat(trips, greaterThan(200));
  }

  @Test
  void parkedVehiclesJitterButStayPut() {
    int pairs = 0;
    for (List<TelemetryEvent> list : telemetry.values()) {
      for (int i = 1; i < list.size(); i++) {
        TelemetryEvent a = list.get(i - 1);
        TelemetryEvent b = list.get(i);
        if (a.getSpeedKmh() == 0.0 && b.getSpeedKmh() == 0.0 && Boolean.TRUE.equals(b.getLocked())) {
          double d = Geo.distanceM(a.getLat(), a.getLon(), b.getLat(), b.getLon());
          assertThat(d, lessThan(3 * (a.getGpsAccuracyM() + b.getGpsAccuracyM())));
          pairs++;
        }
      }
    }
    assertThat(pairs, greaterThan(10_000));
  }

  @Test
  void lowBatteriesAreSwappedAndOpsNeverTouchBookedVehicles() {
    int swaps = 0;
    int maintenance = 0;
    for (Map.Entry<String, List<TelemetryEvent>> e : telemetry.entrySet()) {
      List<TelemetryEvent> list = e.getValue();
      for (int i = 1; i < list.size(); i++) {
        TelemetryEvent prev = list.get(i - 1);
        TelemetryEvent t = list.get(i);
        if (prev.getOperationalStatus() == OperationalStatus.OPERATIONAL
            && t.getOperationalStatus() == OperationalStatus.CHARGING) {
          swaps++;
          assertThat(prev.getBatteryPct(), lessThanOrEqualTo(15.0));
        }
        if (prev.getOperationalStatus() == OperationalStatus.CHARGING
            && t.getOperationalStatus() == OperationalStatus.OPERATIONAL) {
          assertThat(t.getBatteryPct(), allOf(greaterThanOrEqualTo(95.0), lessThanOrEqualTo(100.0)));
          long minutes = (t.getEventTime().getMillis() - firstOfRun(list, i - 1)) / MINUTE;
          assertThat(minutes, lessThanOrEqualTo(45L));
        }
        if (prev.getOperationalStatus() != OperationalStatus.MAINTENANCE
            && t.getOperationalStatus() == OperationalStatus.MAINTENANCE) {
          maintenance++;
        }
      }
      // No ops status while a booking holds the vehicle.
      for (List<BookingEvent> booking : bookingsOf(e.getKey())) {
        Instant from = booking.get(0).getEventTime();
        BookingEvent last = booking.get(booking.size() - 1);
        Instant to = last.getBookingEnd() != null ? last.getBookingEnd() : new Instant(Long.MAX_VALUE);
        for (TelemetryEvent t : list) {
          if (!t.getEventTime().isBefore(from) && !t.getEventTime().isAfter(to)) {
            assertThat(
                e.getKey() + " at " + t.getEventTime(),
                t.getOperationalStatus(),
                equalTo(OperationalStatus.OPERATIONAL));
          }
        }
      }
    }
    assertThat(swaps, greaterThan(5));
    assertThat(maintenance, greaterThan(5));
    assertThat(
        run.simulator().stats().batterySwaps() + run.simulator().stats().maintenanceIncidents(),
        greaterThanOrEqualTo((long) swaps + maintenance));
  }

  @Test
  void telemetryFieldsArePlausible() {
    for (Map.Entry<String, List<TelemetryEvent>> e : telemetry.entrySet()) {
      VehicleType type = vehicles.get(e.getKey()).getVehicleType();
      List<TelemetryEvent> list = e.getValue();
      for (int i = 0; i < list.size(); i++) {
        TelemetryEvent t = list.get(i);
        assertThat(t.getBatteryPct(), allOf(greaterThanOrEqualTo(0.0), lessThanOrEqualTo(100.0)));
        assertThat(t.getHeadingDeg(), allOf(greaterThanOrEqualTo(0.0), lessThan(360.0)));
        assertThat(t.getGpsAccuracyM(), allOf(greaterThan(0.0), lessThanOrEqualTo(60.0)));
        assertThat(t.getEstimatedRangeM(), greaterThanOrEqualTo(0.0));
        if (type == VehicleType.CAR) {
          assertThat(t.getLocked(), nullValue());
          assertThat(t.getOdometerKm(), notNullValue());
        } else {
          assertThat(t.getLocked(), notNullValue());
        }
        if (type == VehicleType.E_BIKE) {
          assertThat(t.getOdometerKm(), notNullValue());
        }
        if (i > 0) {
          TelemetryEvent p = list.get(i - 1);
          assertThat(t.getEventTime().isAfter(p.getEventTime()), equalTo(true));
          if (t.getOdometerKm() != null && p.getOdometerKm() != null) {
            assertThat(t.getOdometerKm(), greaterThanOrEqualTo(p.getOdometerKm()));
          }
          long gap = t.getEventTime().getMillis() - p.getEventTime().getMillis();
          assertThat(gap, lessThanOrEqualTo(62_000L)); // parked interval + timer drift
        }
      }
    }
  }

  @Test
  void demandFollowsTheDailyCurve() {
    // Local (Berlin) time: night trough, morning and evening peaks, mean 1.
    long midnight = Instant.parse("2026-11-25T00:00:00+01:00").getMillis();
    double sum = 0;
    for (int minute = 0; minute < 24 * 60; minute++) {
      sum += DemandCurve.factorAt(midnight + minute * MINUTE);
    }
    assertThat(sum / (24 * 60), allOf(greaterThan(0.99), lessThan(1.01)));
    assertThat(DemandCurve.factorAt(midnight + 3 * 60 * MINUTE), lessThan(0.2));
    assertThat(DemandCurve.factorAt(midnight + 8 * 60 * MINUTE + 30 * MINUTE), greaterThan(1.5));
    assertThat(DemandCurve.factorAt(midnight + 18 * 60 * MINUTE), greaterThan(1.5));

    // And the simulated arrivals follow it: a night hour sees far fewer bookings than a peak hour.
    SimulatorConfig night =
        SimulatorTestSupport.standard()
            .start(Instant.parse("2026-11-25T03:00:00+01:00"))
            .duration(Duration.standardHours(1))
            .cleanDelivery()
            .build();
    SimulatorConfig peak = night.toBuilder().start(Instant.parse("2026-11-25T17:30:00+01:00")).duration(Duration.standardHours(1)).build();
    long nightRequests = SimulatorTestSupport.run(night).simulator().stats().bookingRequests();
    long peakRequests = SimulatorTestSupport.run(peak).simulator().stats().bookingRequests();
    assertThat(peakRequests, greaterThan(5 * Math.max(1, nightRequests)));
  }

  private static long firstOfRun(List<TelemetryEvent> list, int index) {
    OperationalStatus status = list.get(index).getOperationalStatus();
    int i = index;
    while (i > 0 && list.get(i - 1).getOperationalStatus() == status) {
      i--;
    }
    return list.get(i).getEventTime().getMillis();
  }

  private static List<List<BookingEvent>> bookingsOf(String vehicleId) {
    List<List<BookingEvent>> out = new ArrayList<>();
    for (List<BookingEvent> events : bookingsById.values()) {
      if (events.get(0).getVehicleId().equals(vehicleId)) {
        out.add(events);
      }
    }
    return out;
  }

  private static TelemetryEvent lastTelemetryAtOrBefore(String vehicleId, Instant time) {
    TelemetryEvent last = null;
    for (TelemetryEvent t : telemetry.getOrDefault(vehicleId, List.of())) {
      if (t.getEventTime().isAfter(time)) {
        break;
      }
      last = t;
    }
    return last;
  }

  private static void assertInZone(TelemetryEvent t, String locationId) {
    LocationMetadata zone = locations.get(locationId);
    double d = Geo.distanceM(zone.getCentreLat(), zone.getCentreLon(), t.getLat(), t.getLon());
    // The vehicle stands inside the geofence; the report adds GPS error (sigma = accuracy / 2).
    assertThat(
        t.getVehicleId() + " vs " + locationId,
        d,
        lessThanOrEqualTo(zone.getRadiusM() + 3 * t.getGpsAccuracyM()));
  }
}
