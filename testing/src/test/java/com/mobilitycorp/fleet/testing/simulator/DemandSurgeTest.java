package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Demand surges: extra booking requests at a chosen zone and interval, served like natural
 * requests, with exact ground truth of the bookings they created.
 */
class DemandSurgeTest {
  private static final long MINUTE = 60_000L;
  /** 08:00 Berlin time, one hour into {@link SimulatorTestSupport#standard()}: the morning peak. */
  private static final Instant SURGE_START = Instant.parse("2026-11-25T07:00:00Z");

  private static final Duration SURGE_LENGTH = Duration.standardMinutes(10);

  /** booking_created events of a location with event time in [from, to), in event-time order. */
  private static List<BookingEvent> created(
      SimulatorTestSupport.Run run, String locationId, Instant from, Instant to) {
    List<BookingEvent> out = new ArrayList<>();
    for (VehicleEvent e : run.eventsInEventTime()) {
      if (e instanceof BookingEvent b
          && b.getEventType() == BookingEventType.BOOKING_CREATED
          && b.getLocationId().equals(locationId)
          && !b.getEventTime().isBefore(from)
          && b.getEventTime().isBefore(to)) {
        out.add(b);
      }
    }
    return out;
  }

  /**
   * The zone with the most bookable vehicles at {@code at} in a run of {@code config}: where a
   * surge then can be served (what an integration test would do to pick its zone).
   */
  private static Map.Entry<String, Integer> roomiestZone(SimulatorConfig config, Instant at) {
    return roomiestZone(config, at, "loc-");
  }

  /** The same among the location ids starting with {@code prefix} (e.g. "loc-ham-"). */
  private static Map.Entry<String, Integer> roomiestZone(
      SimulatorConfig config, Instant at, String prefix) {
    FleetSimulator sim = new FleetSimulator(config);
    Iterator<SimulatedMessage> it = sim.messages();
    while (it.hasNext() && sim.generatedUntil().isBefore(at)) {
      it.next();
    }
    Map.Entry<String, Integer> best = null;
    for (Map.Entry<String, Integer> e : sim.bookableVehiclesByLocation().entrySet()) {
      if (e.getKey().startsWith(prefix) && (best == null || e.getValue() > best.getValue())) {
        best = e;
      }
    }
    return Map.entry(best.getKey(), best.getValue());
  }

  @Test
  void theSurgeAddsExactlyItsServedBookingsToItsZoneAndInterval() {
    SimulatorConfig base = SimulatorTestSupport.standard().build();
    Map.Entry<String, Integer> zone = roomiestZone(base, SURGE_START);
    assertThat(zone.getValue(), greaterThanOrEqualTo(15));
    DemandSurge surge = new DemandSurge(zone.getKey(), SURGE_START, SURGE_LENGTH, 12);
    SimulatorConfig surged = base.toBuilder().demandSurge(surge).build();

    SimulatorTestSupport.Run without = SimulatorTestSupport.run(base);
    SimulatorTestSupport.Run with = SimulatorTestSupport.run(surged);

    assertThat(without.simulator().demandSurges(), empty());
    List<DemandSurgeOutcome> outcomes = with.simulator().demandSurges();
    assertThat(outcomes, hasSize(1));
    DemandSurgeOutcome outcome = outcomes.get(0);
    assertThat(outcome.surge(), equalTo(surge));
    assertThat(outcome.requests(), equalTo(12));
    assertThat(outcome.served() + outcome.unserved(), equalTo(12));
    // The zone had more bookable vehicles than the surge asks for.
    assertThat(outcome.fullyServed(), equalTo(true));

    // The zone's booking_created events in the surge interval: the natural ones plus exactly the
    // logged surge bookings, each once.
    List<BookingEvent> inSurge = created(with, surge.locationId(), surge.start(), surge.end());
    Set<String> surgeIds = new HashSet<>(outcome.bookingIds());
    assertThat(surgeIds, hasSize(outcome.served()));
    List<BookingEvent> fromSurge =
        inSurge.stream().filter(b -> surgeIds.contains(b.getBookingId())).toList();
    assertThat(fromSurge, hasSize(outcome.served()));
    assertThat(
        fromSurge.stream().map(BookingEvent::getBookingId).toList(), equalTo(outcome.bookingIds()));
    long surgeIdsElsewhere =
        with.eventsInEventTime().stream()
            .filter(
                e ->
                    e instanceof BookingEvent b
                        && b.getEventType() == BookingEventType.BOOKING_CREATED
                        && surgeIds.contains(b.getBookingId()))
            .count();
    assertThat(surgeIdsElsewhere, equalTo((long) outcome.served()));
    int natural = inSurge.size() - outcome.served();
    int naturalWithout = created(without, surge.locationId(), surge.start(), surge.end()).size();
    assertThat(
        "natural bookings in the zone, surge interval: " + natural + " vs " + naturalWithout,
        Math.abs(natural - naturalWithout),
        lessThanOrEqualTo(3));

    // Nothing changes before the first surge booking (its draws come from the surge stream); the
    // booking then draws from the main stream and the histories part.
    Instant firstSurgeBooking = fromSurge.get(0).getEventTime();
    List<VehicleEvent> before =
        without.eventsInEventTime().stream()
            .filter(e -> e.getEventTime().isBefore(firstSurgeBooking))
            .toList();
    assertThat(before.size(), greaterThan(20_000));
    assertThat(
        with.eventsInEventTime().stream()
            .filter(e -> e.getEventTime().isBefore(firstSurgeBooking))
            .toList(),
        equalTo(before));

    SimulationStats stats = with.simulator().stats();
    assertThat(stats.surgeRequests(), equalTo(12L));
    assertThat(stats.surgeBookingsCreated(), equalTo((long) outcome.served()));
    assertThat(stats.unservedSurgeRequests(), equalTo((long) outcome.unserved()));
    assertThat(
        stats.bookingsCreated(),
        equalTo(stats.bookingRequests() - stats.unservedBookingRequests()));
    SimulationStats baseStats = without.simulator().stats();
    assertThat(baseStats.surgeRequests(), equalTo(0L));
    assertThat(baseStats.surgeBookingsCreated(), equalTo(0L));
  }

  /**
   * Without natural demand the comparison with the run without the surge is exact: the zone's
   * booking_created events in the interval exceed it by exactly the served surge requests.
   */
  @Test
  void withoutNaturalDemandTheSurgeIsTheOnlyDifference() {
    SimulatorConfig base =
        SimulatorTestSupport.standard().bookingsPerVehiclePerDay(0).cleanDelivery().build();
    Instant otherStart = SURGE_START.plus(20 * MINUTE);
    Map.Entry<String, Integer> munich = roomiestZone(base, SURGE_START, "loc-muc-");
    Map.Entry<String, Integer> hamburg = roomiestZone(base, otherStart, "loc-ham-");
    assertThat(munich.getValue(), greaterThanOrEqualTo(8));
    assertThat(hamburg.getValue(), greaterThanOrEqualTo(5));
    DemandSurge surge = new DemandSurge(munich.getKey(), SURGE_START, SURGE_LENGTH, 8);
    DemandSurge other = new DemandSurge(hamburg.getKey(), otherStart, Duration.standardMinutes(5), 5);
    SimulatorTestSupport.Run without = SimulatorTestSupport.run(base);
    SimulatorTestSupport.Run with =
        SimulatorTestSupport.run(base.toBuilder().demandSurge(surge).demandSurge(other).build());

    List<DemandSurgeOutcome> outcomes = with.simulator().demandSurges();
    assertThat(outcomes.stream().map(DemandSurgeOutcome::surge).toList(), equalTo(List.of(surge, other)));
    for (DemandSurgeOutcome o : outcomes) {
      assertThat(o.toString(), o.fullyServed(), equalTo(true));
      DemandSurge s = o.surge();
      int withCount = created(with, s.locationId(), s.start(), s.end()).size();
      int withoutCount = created(without, s.locationId(), s.start(), s.end()).size();
      assertThat(withoutCount, equalTo(0));
      assertThat(withCount - withoutCount, equalTo(o.served()));
      // Nothing at that zone outside the interval.
      assertThat(
          created(with, s.locationId(), new Instant(0), new Instant(Long.MAX_VALUE)),
          hasSize(o.served()));
    }
    assertThat(with.simulator().stats().bookingsCreated(), equalTo(13L));
    assertThat(with.simulator().stats().bookingRequests(), equalTo(13L));
  }

  @Test
  void surgeBookingsFollowTheLifecycle() {
    SimulatorConfig base = SimulatorTestSupport.standard().build();
    Map.Entry<String, Integer> zone = roomiestZone(base, SURGE_START);
    DemandSurge surge = new DemandSurge(zone.getKey(), SURGE_START, SURGE_LENGTH, 15);
    SimulatorTestSupport.Run run = SimulatorTestSupport.run(base.toBuilder().demandSurge(surge).build());
    DemandSurgeOutcome outcome = run.simulator().demandSurges().get(0);
    assertThat(outcome.served(), greaterThanOrEqualTo(12));

    Map<String, LocationMetadata> locations = new LinkedHashMap<>();
    run.simulator().locations().forEach(l -> locations.put(l.getLocationId(), l));
    Map<String, List<BookingEvent>> byBooking = new LinkedHashMap<>();
    Map<String, List<BookingEvent>> byVehicle = run.bookingsByVehicle();
    for (List<BookingEvent> list : byVehicle.values()) {
      for (BookingEvent b : list) {
        byBooking.computeIfAbsent(b.getBookingId(), k -> new ArrayList<>()).add(b);
      }
    }
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    int started = 0;
    int cancelled = 0;
    int returned = 0;
    for (String id : outcome.bookingIds()) {
      List<BookingEvent> events = byBooking.get(id);
      events.sort(Comparator.comparing(BookingEvent::getEventTime));
      List<BookingEventType> types = events.stream().map(BookingEvent::getEventType).toList();
      // The run goes on 50 minutes after the surge: every booking is picked up or cancelled.
      assertThat(
          id + " " + types,
          types,
          anyOf(
              equalTo(List.of(BookingEventType.BOOKING_CREATED, BookingEventType.BOOKING_CANCELLED)),
              equalTo(List.of(BookingEventType.BOOKING_CREATED, BookingEventType.RENTAL_STARTED)),
              equalTo(
                  List.of(
                      BookingEventType.BOOKING_CREATED,
                      BookingEventType.RENTAL_STARTED,
                      BookingEventType.RETURN_COMPLETED))));
      BookingEvent created = events.get(0);
      assertThat(surge.contains(created.getEventTime()), equalTo(true));
      long wait = events.get(1).getEventTime().getMillis() - created.getEventTime().getMillis();
      assertThat(wait, allOf(greaterThanOrEqualTo(MINUTE), lessThanOrEqualTo(10 * MINUTE)));
      for (BookingEvent b : events) {
        assertThat(b.getVehicleId(), equalTo(created.getVehicleId()));
        assertThat(b.getBookingStart(), equalTo(created.getEventTime()));
        boolean closing =
            b.getEventType() == BookingEventType.BOOKING_CANCELLED
                || b.getEventType() == BookingEventType.RETURN_COMPLETED;
        assertThat(b.getBookingEnd(), closing ? equalTo((Object) b.getEventTime()) : nullValue());
        if (b.getEventType() != BookingEventType.RETURN_COMPLETED) {
          assertThat(b.getLocationId(), equalTo(surge.locationId()));
        }
      }
      started += types.contains(BookingEventType.RENTAL_STARTED) ? 1 : 0;
      cancelled += types.contains(BookingEventType.BOOKING_CANCELLED) ? 1 : 0;
      returned += types.contains(BookingEventType.RETURN_COMPLETED) ? 1 : 0;

      // The booked vehicle was available, parked in the zone (its last report before the booking).
      TelemetryEvent last = null;
      for (TelemetryEvent t : telemetry.get(created.getVehicleId())) {
        if (t.getEventTime().isAfter(created.getEventTime())) {
          break;
        }
        last = t;
      }
      assertThat(last.getOperationalStatus(), equalTo(OperationalStatus.OPERATIONAL));
      assertThat(last.getBatteryPct(), greaterThanOrEqualTo(20.0));
      assertThat(last.getSpeedKmh(), equalTo(0.0));
      LocationMetadata loc = locations.get(surge.locationId());
      assertThat(
          Geo.distanceM(loc.getCentreLat(), loc.getCentreLon(), last.getLat(), last.getLon()),
          lessThanOrEqualTo(loc.getRadiusM() + 3 * last.getGpsAccuracyM()));
    }
    assertThat(started + cancelled, equalTo(outcome.served()));
    assertThat(started, greaterThan(cancelled));
    assertThat(returned, greaterThan(0));

    // No vehicle ever has two open bookings, surge bookings included.
    for (Map.Entry<String, List<BookingEvent>> e : byVehicle.entrySet()) {
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
  void aSurgeBeyondTheZonesVehiclesLosesTheRest() {
    SimulatorConfig base = SimulatorTestSupport.standard().build();
    Map.Entry<String, Integer> zone = roomiestZone(base, SURGE_START);
    DemandSurge surge = new DemandSurge(zone.getKey(), SURGE_START, Duration.standardMinutes(5), 100);
    SimulatorTestSupport.Run run = SimulatorTestSupport.run(base.toBuilder().demandSurge(surge).build());
    DemandSurgeOutcome outcome = run.simulator().demandSurges().get(0);

    assertThat(outcome.requests(), equalTo(100));
    assertThat(outcome.fullyServed(), equalTo(false));
    // At most what was there (plus a few returns in those 5 minutes).
    assertThat(outcome.served(), lessThanOrEqualTo(zone.getValue() + 5));
    assertThat(outcome.served(), greaterThanOrEqualTo(zone.getValue() / 2));
    assertThat(outcome.unserved(), equalTo(100 - outcome.served()));
    assertThat(run.simulator().stats().unservedSurgeRequests(), equalTo((long) outcome.unserved()));
    assertThat(
        run.simulator().stats().unservedBookingRequests(),
        greaterThanOrEqualTo((long) outcome.unserved()));
    assertThat(
        created(run, surge.locationId(), surge.start(), surge.end()).size(),
        greaterThanOrEqualTo(outcome.served()));
  }

  /** Unserved surge requests draw nothing from the fleet's or the network's random streams. */
  @Test
  void aSurgeThatFindsNoVehicleChangesNoMessage() {
    SimulatorConfig base =
        SimulatorTestSupport.standard()
            .vehicleCount(20)
            .bookingsPerVehiclePerDay(0) // nobody moves: zones without vehicles stay empty
            .malformedRate(0.01)
            .build();
    FleetSimulator probe = new FleetSimulator(base);
    Set<String> homes = new HashSet<>();
    for (VehicleMetadata v : probe.vehicles()) {
      homes.add(v.getHomeLocationId());
    }
    String empty =
        probe.locations().stream()
            .map(LocationMetadata::getLocationId)
            .filter(id -> !homes.contains(id))
            .findFirst()
            .orElseThrow();
    SimulatorConfig surged =
        base.toBuilder().demandSurge(new DemandSurge(empty, SURGE_START, SURGE_LENGTH, 30)).build();

    SimulatorTestSupport.Run without = SimulatorTestSupport.run(base);
    SimulatorTestSupport.Run with = SimulatorTestSupport.run(surged);

    DemandSurgeOutcome outcome = with.simulator().demandSurges().get(0);
    assertThat(outcome.requests(), equalTo(30));
    assertThat(outcome.unserved(), equalTo(30));
    assertThat(outcome.bookingIds(), empty());
    assertThat(with.messages(), equalTo(without.messages()));
    assertThat(with.simulator().stats().unservedBookingRequests(), equalTo(30L));
  }

  @Test
  void requestsAfterTheEndOfABoundedRunNeverHappen() {
    // standard() ends at 08:00Z; the surge's second half is beyond it.
    DemandSurge surge =
        new DemandSurge("loc-ber-01", Instant.parse("2026-11-25T07:50:00Z"), Duration.standardMinutes(20), 40);
    SimulatorTestSupport.Run run =
        SimulatorTestSupport.run(SimulatorTestSupport.standard().demandSurge(surge).build());
    DemandSurgeOutcome outcome = run.simulator().demandSurges().get(0);
    assertThat(outcome.requests(), allOf(greaterThan(5), lessThan(35)));
    assertThat(outcome.served() + outcome.unserved(), equalTo(outcome.requests()));
  }

  @Test
  void unknownLocationsAndBadSurgesAreRejected() {
    SimulatorConfig.Builder b = SimulatorTestSupport.standard(); // 24 zones over 3 cities
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                b.demandSurge(new DemandSurge("loc-ber-09", SURGE_START, SURGE_LENGTH, 10)).build());
    assertThat(unknown.getMessage(), containsString("unknown location id 'loc-ber-09'"));
    assertThat(
        unknown.getMessage(),
        containsString("loc-ber-01..loc-ber-08, loc-muc-01..loc-muc-08, loc-ham-01..loc-ham-08"));

    IllegalArgumentException noHamburg =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SimulatorTestSupport.standard()
                    .cityCount(2)
                    .demandSurge(new DemandSurge("loc-ham-01", SURGE_START, SURGE_LENGTH, 10))
                    .build());
    assertThat(noHamburg.getMessage(), containsString("unknown location id 'loc-ham-01'"));
    assertThat(noHamburg.getMessage(), containsString("loc-ber-01..loc-ber-12, loc-muc-01..loc-muc-12"));

    IllegalArgumentException early =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SimulatorTestSupport.standard()
                    .demandSurge(
                        new DemandSurge(
                            "loc-ber-01", Instant.parse("2026-11-25T05:59:59Z"), SURGE_LENGTH, 10))
                    .build());
    assertThat(early.getMessage(), containsString("starts before the simulation start"));
    IllegalArgumentException late =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SimulatorTestSupport.standard()
                    .demandSurge(
                        new DemandSurge(
                            "loc-ber-01", Instant.parse("2026-11-25T08:00:00Z"), SURGE_LENGTH, 10))
                    .build());
    assertThat(late.getMessage(), containsString("starts at or after the simulation end"));

    assertThrows(
        IllegalArgumentException.class,
        () -> new DemandSurge("loc-ber-01", SURGE_START, Duration.ZERO, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> new DemandSurge("loc-ber-01", SURGE_START, SURGE_LENGTH, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new DemandSurge("", SURGE_START, SURGE_LENGTH, 1));
  }

  @Test
  void theTextFormRoundTrips() {
    String spec = "loc-ber-03@2026-11-30T07:30:00Z/PT10M/25";
    DemandSurge s = DemandSurge.parse(spec);
    assertThat(
        s,
        equalTo(
            new DemandSurge(
                "loc-ber-03", Instant.parse("2026-11-30T07:30:00Z"), Duration.standardMinutes(10), 25)));
    assertThat(s.toSpec(), equalTo(spec));
    assertThat(s.toString(), equalTo(spec));
    assertThat(s.end(), equalTo(Instant.parse("2026-11-30T07:40:00Z")));
    assertThat(s.contains(Instant.parse("2026-11-30T07:30:00Z")), equalTo(true));
    assertThat(s.contains(Instant.parse("2026-11-30T07:40:00Z")), equalTo(false));

    DemandSurge odd =
        new DemandSurge("loc-muc-12", Instant.parse("2026-11-30T07:30:00.250Z"), Duration.millis(90_500), 1);
    assertThat(odd.toSpec(), equalTo("loc-muc-12@2026-11-30T07:30:00.250Z/PT1M30.5S/1"));
    assertThat(DemandSurge.parse(odd.toSpec()), equalTo(odd));
    // Offsets and other ISO spellings are accepted and normalised to UTC.
    assertThat(
        DemandSurge.parse("loc-ber-03@2026-11-30T08:30:00+01:00/PT600S/25"), equalTo(s));

    for (String bad :
        new String[] {
          "loc-ber-03",
          "@2026-11-30T07:30:00Z/PT10M/25",
          "loc-ber-03@2026-11-30T07:30:00Z/PT10M",
          "loc-ber-03@2026-11-30 07:30/PT10M/25",
          "loc-ber-03@2026-11-30T07:30:00Z/10 minutes/25",
          "loc-ber-03@2026-11-30T07:30:00Z/PT10M/many",
          "loc-ber-03@2026-11-30T07:30:00Z/PT10M/0",
          "loc-ber-03@2026-11-30T07:30:00Z/PT0S/5",
          "loc-ber-03@2026-11-30T07:30:00Z/PT10M/25/1"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DemandSurge.parse(bad), bad);
      assertThat(e.getMessage(), containsString("demand surge"));
    }
  }

  @Test
  void surgesArePartOfTheConfig() {
    DemandSurge a = new DemandSurge("loc-ber-01", SURGE_START, SURGE_LENGTH, 10);
    DemandSurge b = new DemandSurge("loc-muc-01", SURGE_START, SURGE_LENGTH, 10);
    SimulatorConfig base = SimulatorTestSupport.standard().build();
    SimulatorConfig ab = base.toBuilder().demandSurge(a).demandSurge(b).build();
    SimulatorConfig ab2 = SimulatorTestSupport.standard().demandSurge(a).demandSurge(b).build();
    SimulatorConfig ba = base.toBuilder().demandSurge(b).demandSurge(a).build();

    assertThat(base.demandSurges(), empty());
    assertThat(ab.demandSurges(), equalTo(List.of(a, b)));
    assertThat(ab, equalTo(ab2));
    assertThat(ab.hashCode(), equalTo(ab2.hashCode()));
    assertThat(ab, not(equalTo(base)));
    assertThat(ab, not(equalTo(ba))); // the order fixes the draws
    assertThat(ab.toBuilder().build(), equalTo(ab));
    assertThat(ab.toBuilder().clearDemandSurges().build(), equalTo(base));
    assertThat(
        ab.toString(),
        containsString(
            "demandSurges=[loc-ber-01@2026-11-25T07:00:00Z/PT10M/10,"
                + " loc-muc-01@2026-11-25T07:00:00Z/PT10M/10]"));
    assertThat(base.toString(), not(containsString("demandSurges")));
    assertThrows(UnsupportedOperationException.class, () -> ab.demandSurges().add(a));
  }
}
