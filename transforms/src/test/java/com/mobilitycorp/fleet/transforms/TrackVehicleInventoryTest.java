package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.model.BookingEventType.BOOKING_CREATED;
import static com.mobilitycorp.fleet.model.BookingEventType.RENTAL_STARTED;
import static com.mobilitycorp.fleet.model.BookingEventType.RETURN_COMPLETED;
import static com.mobilitycorp.fleet.model.InventoryUpdateReason.LATE_CORRECTION;
import static com.mobilitycorp.fleet.model.InventoryUpdateReason.POSITION_REFRESH;
import static com.mobilitycorp.fleet.model.InventoryUpdateReason.STATUS_CHANGE;
import static com.mobilitycorp.fleet.model.VehicleStatus.AVAILABLE;
import static com.mobilitycorp.fleet.model.VehicleStatus.NON_OPERATIONAL;
import static com.mobilitycorp.fleet.model.VehicleStatus.ON_TRIP;
import static com.mobilitycorp.fleet.model.VehicleStatus.RESERVED;
import static com.mobilitycorp.fleet.transforms.Events.T0;
import static com.mobilitycorp.fleet.transforms.InventoryInput.booking;
import static com.mobilitycorp.fleet.transforms.InventoryInput.signal;
import static com.mobilitycorp.fleet.transforms.InventoryInput.telemetry;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleStatus;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link TrackVehicleInventory}. Lateness cases are named as in Beam's
 * LeaderBoardTest: on time, observably late (behind the watermark, within the allowed lateness)
 * and droppably late (beyond it: a window would drop it, the inventory must still apply it).
 * Every element is its own TestStream step, so the arrival order per vehicle is the test's.
 */
@ExtendWith(TestPipelineExtension.class)
class TrackVehicleInventoryTest {
  private static final Duration REFRESH = Duration.standardSeconds(30);
  private static final Duration PAST_REFRESH = REFRESH.plus(Duration.standardSeconds(1));

  private static Instant min(long minutes) {
    return T0.plus(Duration.standardMinutes(minutes));
  }

  private static Instant sec(long seconds) {
    return T0.plus(Duration.standardSeconds(seconds));
  }

  private static BookingEvent created(String id, String bookingId, Instant at) {
    return booking("v1", id, BOOKING_CREATED, bookingId, "berlin-mitte", at, at, null);
  }

  private static BookingEvent started(String id, String bookingId, Instant start, Instant at) {
    return booking("v1", id, RENTAL_STARTED, bookingId, "berlin-mitte", at, start, null);
  }

  private static BookingEvent returned(String id, String bookingId, Instant start, Instant at) {
    return booking("v1", id, RETURN_COMPLETED, bookingId, "berlin-kreuzberg", at, start, at);
  }

  /** The update the rule gives for this state; lat etc. from {@code telemetry} when present. */
  private static InventoryUpdate expected(
      VehicleStatus status, @Nullable String bookingId, @Nullable String locationId,
      @Nullable TelemetryEvent telemetry, Instant asOf, long revision,
      InventoryUpdateReason reason) {
    InventoryUpdate.Builder update =
        InventoryUpdate.builder()
            .setVehicleId("v1").setStatus(status).setBookingId(bookingId)
            .setLocationId(locationId).setAsOf(asOf).setRevision(revision).setReason(reason);
    if (telemetry != null) {
      update.setLat(telemetry.getLat()).setLon(telemetry.getLon())
          .setBatteryPct(telemetry.getBatteryPct())
          .setEstimatedRangeM(telemetry.getEstimatedRangeM())
          .setOperationalStatus(telemetry.getOperationalStatus())
          .setLastReported(telemetry.getEventTime());
    }
    return update.build();
  }

  private static PCollection<InventoryUpdate> track(
      TestPipeline p, TestStream<RawUnionValue> stream, TrackVehicleInventory transform)
      throws Exception {
    return InventoryInput.split(p, stream).apply("TrackInventory", transform);
  }

  private static TrackVehicleInventory inventory() {
    return TrackVehicleInventory.create().withRefreshInterval(REFRESH);
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, TrackVehicleInventory.class, name);
  }

  @Test
  void testOnTimeBookingLifecycleReservesRentsAndFreesTheVehicle(TestPipeline p) throws Exception {
    TelemetryEvent parked = telemetry("v1", "t1", min(0), 52.50);
    TelemetryEvent riding = telemetry("v1", "t2", min(3), 52.51);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(parked))
            .addElements(signal(created("b-e1", "b1", min(1))))
            .addElements(signal(started("b-e2", "b1", min(1), min(2))))
            .addElements(signal(riding))
            .addElements(signal(returned("b-e3", "b1", min(1), min(10))))
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(AVAILABLE, null, null, parked, min(0), 1, STATUS_CHANGE),
            expected(RESERVED, "b1", "berlin-mitte", parked, min(1), 2, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", parked, min(2), 3, STATUS_CHANGE),
            // The in-trip position (input 4) waited for the refresh interval; the return (input
            // 5) publishes it.
            expected(AVAILABLE, null, "berlin-kreuzberg", riding, min(10), 5, STATUS_CHANGE));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeTelemetryInsideABookingIntervalIsOnTripAndOutsideIsAvailable(TestPipeline p)
      throws Exception {
    TelemetryEvent inside = telemetry("v1", "t1", min(5), 52.51);
    TelemetryEvent after = telemetry("v1", "t2", min(12), 52.53);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(created("b-e1", "b1", min(0))))
            .addElements(signal(started("b-e2", "b1", min(0), min(1))))
            .addElements(signal(inside))
            .advanceProcessingTime(PAST_REFRESH)
            .addElements(signal(returned("b-e3", "b1", min(0), min(10))))
            .addElements(signal(after))
            .advanceProcessingTime(PAST_REFRESH)
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(RESERVED, "b1", "berlin-mitte", null, min(0), 1, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", null, min(1), 2, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", inside, min(5), 3, POSITION_REFRESH),
            expected(AVAILABLE, null, "berlin-kreuzberg", inside, min(10), 4, STATUS_CHANGE),
            expected(AVAILABLE, null, "berlin-kreuzberg", after, min(12), 5, POSITION_REFRESH));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateInTripTelemetryAfterTheReturnMovesButDoesNotRentTheVehicle(
      TestPipeline p) throws Exception {
    TelemetryEvent early = telemetry("v1", "t1", min(4), 52.51);
    TelemetryEvent lastInTrip = telemetry("v1", "t2", min(9), 52.52);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(created("b-e1", "b1", min(0))))
            .addElements(signal(started("b-e2", "b1", min(0), min(1))))
            .addElements(signal(early))
            .addElements(signal(returned("b-e3", "b1", min(0), min(10))))
            .advanceWatermarkTo(min(10))
            .addElements(signal(lastInTrip)) // sent during the trip, delivered after the return
            .advanceProcessingTime(PAST_REFRESH)
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(RESERVED, "b1", "berlin-mitte", null, min(0), 1, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", null, min(1), 2, STATUS_CHANGE),
            // The return is input 4 (the early position, input 3, waited for it).
            expected(AVAILABLE, null, "berlin-kreuzberg", early, min(10), 4, STATUS_CHANGE),
            // Newer position, but the return is newer still: the vehicle stays available.
            expected(AVAILABLE, null, "berlin-kreuzberg", lastInTrip, min(10), 5,
                POSITION_REFRESH));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateBookingCreatedAfterTelemetryIsPublishedAsACorrection(TestPipeline p)
      throws Exception {
    TelemetryEvent parked = telemetry("v1", "t1", min(2), 52.50);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(2))
            .addElements(signal(parked))
            .advanceWatermarkTo(min(3))
            .addElements(signal(created("b-e1", "b1", min(1))))
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(AVAILABLE, null, null, parked, min(2), 1, STATUS_CHANGE),
            // Same as_of (the telemetry is still the newest information), higher revision.
            expected(RESERVED, "b1", "berlin-mitte", parked, min(2), 2, LATE_CORRECTION));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "late_corrections"), is(1L));
  }

  /**
   * What a replay after a failure looks like: the same vehicle's inputs, once cut short (the run
   * before the failure: the booking arrived before the newer position was read) and once whole (the
   * replay: the newer position came first). Both reserved updates have the booking's as_of; the one
   * that saw more input must rank higher, so a consumer keeping the greatest (as_of, revision) ends
   * with the newer position. With revision = update count both were revision 2.
   */
  @Test
  void testTheUpdateThatSawMoreInputRanksHigherAtTheSameAsOf(TestPipeline p) throws Exception {
    TelemetryEvent older = telemetry("before", "t1", min(0), 52.50);
    TelemetryEvent olderAgain = telemetry("replay", "t1", min(0), 52.50);
    TelemetryEvent newer = telemetry("replay", "t2", min(1), 52.51);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(older), signal(olderAgain))
            .addElements(signal(booking("before", "b-e1", BOOKING_CREATED, "b1", "berlin-mitte",
                min(2), min(2), null)))
            .addElements(signal(newer))
            .addElements(signal(booking("replay", "b-e1", BOOKING_CREATED, "b1", "berlin-mitte",
                min(2), min(2), null)))
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory())
            .apply(MapElements.into(TypeDescriptors.strings())
                .via((InventoryUpdate u) -> u.getVehicleId() + " " + u.getStatus() + " lat "
                    + u.getLat() + " as_of " + u.getAsOf() + " r" + u.getRevision())))
        .containsInAnyOrder(
            "before AVAILABLE lat 52.5 as_of " + min(0) + " r1",
            "before RESERVED lat 52.5 as_of " + min(2) + " r2",
            "replay AVAILABLE lat 52.5 as_of " + min(0) + " r1",
            // The newer position waited for the refresh interval; the booking publishes it.
            "replay RESERVED lat 52.51 as_of " + min(2) + " r3");
    p.run().waitUntilFinish();
  }

  @Test
  void testDuplicateBookingEventsChangeNothing(TestPipeline p) throws Exception {
    BookingEvent create = created("b-e1", "b1", min(0));
    BookingEvent start = started("b-e2", "b1", min(0), min(1));
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(create))
            .addElements(signal(create))
            .addElements(signal(start))
            .addElements(signal(create))
            .addElements(signal(start))
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            // The repeated created (input 2) is taken in and ignored; the start is input 3.
            expected(RESERVED, "b1", "berlin-mitte", null, min(0), 1, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", null, min(1), 3, STATUS_CHANGE));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "stale_events_ignored"), is(3L));
  }

  @Test
  void testMaintenanceMakesTheVehicleNonOperationalAtOnce(TestPipeline p) throws Exception {
    TelemetryEvent ok = telemetry("v1", "t1", min(0), 52.50);
    TelemetryEvent workshop =
        telemetry("v1", "t2", sec(10), 52.50, 80, OperationalStatus.MAINTENANCE);
    TelemetryEvent back = telemetry("v1", "t3", sec(20), 52.50, 100, OperationalStatus.OPERATIONAL);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(ok))
            .addElements(signal(workshop))
            .addElements(signal(back))
            .advanceWatermarkToInfinity();

    // Both changes fall inside one refresh interval: status changes are never held back.
    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(AVAILABLE, null, null, ok, min(0), 1, STATUS_CHANGE),
            expected(NON_OPERATIONAL, null, null, workshop, sec(10), 2, STATUS_CHANGE),
            expected(AVAILABLE, null, null, back, sec(20), 3, STATUS_CHANGE));
    p.run().waitUntilFinish();
  }

  @Test
  void testDroppablyLateReturnStillFreesTheVehicle(TestPipeline p) throws Exception {
    TelemetryEvent riding = telemetry("v1", "t1", min(2), 52.51);
    TelemetryEvent parkedLater = telemetry("v1", "t2", min(20), 52.52);
    TelemetryEvent staleAndLate = telemetry("v1", "t0", min(3), 52.40);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(created("b-e1", "b1", min(0))))
            .addElements(signal(started("b-e2", "b1", min(0), min(1))))
            .addElements(signal(riding))
            .advanceProcessingTime(PAST_REFRESH)
            .addElements(signal(parkedLater))
            .advanceProcessingTime(PAST_REFRESH)
            .advanceWatermarkTo(min(15))
            // 11 minutes behind the vehicle's newest event: far beyond the 5-minute lateness.
            .addElements(signal(returned("b-e3", "b1", min(0), min(9))))
            .addElements(signal(staleAndLate))
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(RESERVED, "b1", "berlin-mitte", null, min(0), 1, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", null, min(1), 2, STATUS_CHANGE),
            expected(ON_TRIP, "b1", "berlin-mitte", riding, min(2), 3, POSITION_REFRESH),
            expected(ON_TRIP, "b1", "berlin-mitte", parkedLater, min(20), 4, POSITION_REFRESH),
            expected(AVAILABLE, null, "berlin-kreuzberg", parkedLater, min(20), 5,
                LATE_CORRECTION));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "events_beyond_lateness"), is(2L));
    assertThat(counter(result, "events_beyond_lateness_applied"), is(1L));
  }

  @Test
  void testPositionOnlyChangesArePublishedAtMostOncePerRefreshInterval(TestPipeline p)
      throws Exception {
    TelemetryEvent first = telemetry("v1", "t1", sec(0), 52.500);
    TelemetryEvent newestInInterval =
        telemetry("v1", "t4", sec(15), 52.503, 78, OperationalStatus.OPERATIONAL);
    TelemetryEvent afterQuietInterval = telemetry("v1", "t5", sec(90), 52.504);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(sec(0))
            .addElements(signal(first))
            .addElements(signal(telemetry("v1", "t2", sec(5), 52.501)))
            .addElements(signal(telemetry("v1", "t3", sec(10), 52.502)))
            .addElements(signal(newestInInterval))
            .advanceProcessingTime(PAST_REFRESH) // flushes the newest of the interval
            .advanceProcessingTime(PAST_REFRESH) // nothing new: the interval closes
            .addElements(signal(afterQuietInterval)) // so this one is published at once
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            // Revisions count the inputs taken in: t2 and t3 were taken in without an update.
            expected(AVAILABLE, null, null, first, sec(0), 1, STATUS_CHANGE),
            expected(AVAILABLE, null, null, newestInInterval, sec(15), 4, POSITION_REFRESH),
            expected(AVAILABLE, null, null, afterQuietInterval, sec(90), 5, POSITION_REFRESH));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "position_refreshes"), is(2L));
  }

  @Test
  void testEndedBookingIsForgottenAfterTheLatenessAndOlderStragglersStayStale(TestPipeline p)
      throws Exception {
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(created("b-e1", "b1", min(0))))
            .addElements(signal(returned("b-e3", "b1", min(0), min(2))))
            .advanceWatermarkTo(min(8)) // past the return + 5 minutes: the booking settles
            .addElements(signal(started("b-e2", "b1", min(0), min(1)))) // a straggler
            .advanceWatermarkToInfinity();

    PAssert.that(track(p, stream, inventory()))
        .containsInAnyOrder(
            expected(RESERVED, "b1", "berlin-mitte", null, min(0), 1, STATUS_CHANGE),
            expected(AVAILABLE, null, "berlin-kreuzberg", null, min(2), 2, STATUS_CHANGE));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "bookings_settled"), is(1L));
    assertThat(counter(result, "stale_events_ignored"), is(1L));
  }

  @Test
  void testIdleVehicleStateIsClearedAndRestartsFromTheNextEvent(TestPipeline p) throws Exception {
    TelemetryEvent before = telemetry("v1", "t1", min(0), 52.50);
    TelemetryEvent after = telemetry("v1", "t2", min(180), 52.60);
    TestStream<RawUnionValue> stream =
        InventoryInput.stream(p)
            .advanceWatermarkTo(min(0))
            .addElements(signal(before))
            .advanceWatermarkTo(min(120)) // silent for 2 hours > 1 hour idle expiry
            .addElements(signal(after))
            .advanceWatermarkToInfinity();

    PAssert.that(
            track(p, stream, inventory().withIdleExpiry(Duration.standardHours(1))))
        .containsInAnyOrder(
            expected(AVAILABLE, null, null, before, min(0), 1, STATUS_CHANGE),
            // Revision 1 again: nothing of the vehicle was left in state.
            expected(AVAILABLE, null, null, after, min(180), 1, STATUS_CHANGE));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    // +1 per start, -1 per expiry: both lives of the vehicle ended with its state cleared.
    assertThat(counter(result, "vehicles_tracked"), is(0L));
  }
}
