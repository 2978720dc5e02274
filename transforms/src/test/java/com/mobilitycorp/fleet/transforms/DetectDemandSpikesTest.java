package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.DemandInput.bookings;
import static com.mobilitycorp.fleet.transforms.DemandInput.window;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DemandWindow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link DetectDemandSpikes}, named as in Beam's LeaderBoardTest: on time
 * (decided when the watermark passes the window's end), observably late (within the allowed
 * lateness: a correction), droppably late (beyond it: routed, not counted). There are no
 * speculative cases: a window is decided once complete, never early. Expected values are worked
 * out by hand from the rule in each test's comment.
 */
@ExtendWith(TestPipelineExtension.class)
class DetectDemandSpikesTest {
  private static final Duration LATENESS = DetectDemandSpikes.DEFAULT_ALLOWED_LATENESS;

  private static TestStream.Builder<BookingEvent> stream(TestPipeline p) {
    return TestStream.create(DemandInput.coder(p)).advanceWatermarkTo(window(0));
  }

  /** Four steady windows of {@code steady} bookings at L1 (W0..W3), each decided on time. */
  private static TestStream.Builder<BookingEvent> steadyHour(TestPipeline p, int steady) {
    TestStream.Builder<BookingEvent> s = stream(p);
    for (int n = 0; n < 4; n++) {
      s = s.addElements(bookings("L1", n, steady)[0], rest(bookings("L1", n, steady)))
          .advanceWatermarkTo(window(n + 1));
    }
    return s;
  }

  @SafeVarargs
  private static <T> TimestampedValue<T>[] rest(TimestampedValue<T>... all) {
    return java.util.Arrays.copyOfRange(all, 1, all.length);
  }

  private static PCollection<String> alertIds(PCollectionTuple out) {
    return out.get(DetectDemandSpikes.ALERTS)
        .apply("AlertIds", MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId));
  }

  /** The publications of one window, as "location@start#revision count [spike]". */
  private static PCollection<String> publications(PCollectionTuple out, String location, int n) {
    Instant start = window(n);
    return out.get(DetectDemandSpikes.WINDOWS)
        .apply("Of" + location + n, Filter.by((DemandWindow w) ->
            w.getLocationId().equals(location) && w.getWindowStart().equals(start)))
        .apply("Describe" + location + n,
            MapElements.into(TypeDescriptors.strings()).via(DemandInput::describe));
  }

  private static String pub(String location, int n, int revision, long count, boolean spike) {
    return location + "@" + window(n) + "#" + revision + " " + count + (spike ? " spike" : "");
  }

  private static String alertId(String location, int n) {
    return DetectDemandSpikes.alertId(location, window(n));
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, DetectDemandSpikes.class, name);
  }

  @Test
  void testOnTimeSteadyDemandThenMoreThanOneAndAHalfTimesRaisesOneAlert(TestPipeline p) {
    // Baseline of W4 = mean(W1..W3) = 4 (W0, where the history starts, is incomplete and no
    // baseline); 7 > 1.5 x 4 = 6 and 7 >= 5.
    TestStream<BookingEvent> input = steadyHour(p, 4)
        .addElements(bookings("L1", 4, 7)[0], rest(bookings("L1", 4, 7)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    PAssert.that(publications(out, "L1", 4)).containsInAnyOrder(pub("L1", 4, 0, 7, true));
    PAssert.that(out.get(DetectDemandSpikes.ALERTS)).satisfies(all -> {
      Alert alert = all.iterator().next();
      assertThat(alert.getType(), is(AlertType.DEMAND_SPIKE));
      assertThat(alert.getSeverity(), is(AlertSeverity.WARNING)); // 1.75 x, not above 3 x
      assertThat(alert.getVehicleId(), nullValue());
      assertThat(alert.getLocationId(), is("L1"));
      assertThat(alert.getEventTime(), is(window(5)));
      assertThat(alert.getDetails().get("booking_count"), is("7"));
      assertThat(alert.getDetails().get("baseline"), is("4.00"));
      assertThat(alert.getDetails().get("ratio"), is("1.75"));
      assertThat(alert.getDetails().get("window_start"), is(window(4).toString()));
      assertThat(alert.getDetails().get("window_end"), is(window(5).toString()));
      return null;
    });
    PAssert.that(out.get(DetectDemandSpikes.WINDOWS)
        .apply(Filter.by((DemandWindow w) -> w.getWindowStart().equals(window(0)))))
        .satisfies(all -> {
          DemandWindow first = all.iterator().next();
          assertThat(first.getBaseline(), nullValue()); // a new location's first window
          assertThat(first.getHistoryWindows(), is(0));
          return null;
        });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeExactlyOneAndAHalfTimesIsNoSpike(TestPipeline p) {
    // 6 = 1.5 x 4: the rule is strictly greater.
    TestStream<BookingEvent> input = steadyHour(p, 4)
        .addElements(bookings("L1", 4, 6)[0], rest(bookings("L1", 4, 6)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).empty();
    PAssert.that(out.get(DetectDemandSpikes.WINDOWS)
        .apply(Filter.by((DemandWindow w) -> w.getWindowStart().equals(window(4)))))
        .satisfies(all -> {
          DemandWindow w = all.iterator().next();
          assertThat(w.getRatio(), is(1.5));
          assertThat(w.getSpike(), is(false));
          return null;
        });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeQuietHourThenBurstIsASpike(TestPipeline p) {
    // One booking in W0, nothing in W1..W4 (baseline of W5 = 0), then 5 in W5: 5 > 0 and 5 >= 5.
    TestStream<BookingEvent> input = stream(p)
        .addElements(bookings("L1", 0, 1)[0])
        .advanceWatermarkTo(window(5))
        .addElements(bookings("L1", 5, 5)[0], rest(bookings("L1", 5, 5)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 5));
    PAssert.that(out.get(DetectDemandSpikes.ALERTS)).satisfies(all -> {
      Alert alert = all.iterator().next();
      assertThat(alert.getSeverity(), is(AlertSeverity.CRITICAL)); // against a baseline of 0
      assertThat(alert.getDetails().get("baseline"), is("0.00"));
      assertThat(alert.getDetails().get("ratio"), is("Infinity"));
      assertThat(alert.getDetails().get("history_windows"), is("4"));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeBurstBelowTheMinimumIsNoSpike(TestPipeline p) {
    // Quiet hour, then 4 bookings: 4 > 0 but 4 < 5.
    TestStream<BookingEvent> input = stream(p)
        .addElements(bookings("L1", 0, 1)[0])
        .advanceWatermarkTo(window(5))
        .addElements(bookings("L1", 5, 4)[0], rest(bookings("L1", 5, 4)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).empty();
    PAssert.that(publications(out, "L1", 5)).containsInAnyOrder(pub("L1", 5, 0, 4, false));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeFirstHourOfANewLocationUsesTheHistoryItHas(TestPipeline p) {
    // W0: 8 (the location starts here: incomplete, no baseline, nobody's baseline); W1: 4, no
    // complete window before it, no baseline; W2: 5 vs 4, 5 < 6; W3: 12 vs mean(4, 5) = 4.5,
    // 12 > 6.75: a spike judged on 2 windows.
    int[] counts = {8, 4, 5, 12};
    TestStream.Builder<BookingEvent> s = stream(p);
    for (int n = 0; n < counts.length; n++) {
      s = s.addElements(bookings("L1", n, counts[n])[0], rest(bookings("L1", n, counts[n])))
          .advanceWatermarkTo(window(n + 1));
    }
    PCollectionTuple out = p.apply(s.advanceWatermarkToInfinity()).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 3));
    PAssert.that(out.get(DetectDemandSpikes.ALERTS)).satisfies(all -> {
      assertThat(all.iterator().next().getDetails().get("history_windows"), is("2"));
      assertThat(all.iterator().next().getDetails().get("baseline"), is("4.50"));
      return null;
    });
    PAssert.that(publications(out, "L1", 0)).containsInAnyOrder(pub("L1", 0, 0, 8, false));
    PAssert.that(publications(out, "L1", 1)).containsInAnyOrder(pub("L1", 1, 0, 4, false));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeManyLocationsInterleavedAreJudgedApart(TestPipeline p) {
    // L1: 2 per window, then 8 (> 3, spike); L2: 6 per window, then 9 (= 1.5 x 6, none);
    // L3: first seen in W4 with 9 (no history, none). Bookings of all three arrive mixed.
    TestStream.Builder<BookingEvent> s = stream(p);
    int[][] perWindow = {{2, 6, 0}, {2, 6, 0}, {2, 6, 0}, {2, 6, 0}, {8, 9, 9}};
    String[] locations = {"L1", "L2", "L3"};
    for (int n = 0; n < perWindow.length; n++) {
      List<TimestampedValue<BookingEvent>> mixed = new ArrayList<>();
      for (int l = 0; l < locations.length; l++) {
        if (perWindow[n][l] > 0) {
          Collections.addAll(mixed, bookings(locations[l], n, perWindow[n][l]));
        }
      }
      Collections.shuffle(mixed, new java.util.Random(n));
      for (TimestampedValue<BookingEvent> b : mixed) {
        s = s.addElements(b);
      }
      s = s.advanceWatermarkTo(window(n + 1));
    }
    PCollectionTuple out = p.apply(s.advanceWatermarkToInfinity()).apply(DetectDemandSpikes.create());
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    PAssert.that(publications(out, "L2", 4)).containsInAnyOrder(pub("L2", 4, 0, 9, false));
    PAssert.that(publications(out, "L3", 4)).containsInAnyOrder(pub("L3", 4, 0, 9, false));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeOutOfOrderBookingsInsideAWindowCountOnce(TestPipeline p) {
    // W4's 7 bookings arrive newest first, three of them before W3's last booking.
    TimestampedValue<BookingEvent>[] w3 = bookings("L1", 3, 4);
    TimestampedValue<BookingEvent>[] w4 = bookings("L1", 4, 7);
    TestStream.Builder<BookingEvent> s = stream(p);
    for (int n = 0; n < 3; n++) {
      s = s.addElements(bookings("L1", n, 4)[0], rest(bookings("L1", n, 4)))
          .advanceWatermarkTo(window(n + 1));
    }
    s = s.addElements(w3[0], w3[1], w3[2])
        .addElements(w4[6], w4[5], w4[4])
        .addElements(w3[3])
        .advanceWatermarkTo(window(4))
        .addElements(w4[3], w4[2], w4[1], w4[0]);
    PCollectionTuple out = p.apply(s.advanceWatermarkToInfinity()).apply(DetectDemandSpikes.create());
    PAssert.that(publications(out, "L1", 3)).containsInAnyOrder(pub("L1", 3, 0, 4, false));
    PAssert.that(publications(out, "L1", 4)).containsInAnyOrder(pub("L1", 4, 0, 7, true));
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateBookingTurnsAWindowIntoASpike(TestPipeline p) {
    // W4 decided with 6 (= 1.5 x 4, no spike); a 7th booking arrives after W4's end, inside the
    // lateness: W4 is republished (revision 1) as a spike and alerts then.
    TestStream<BookingEvent> input = steadyHour(p, 4)
        .addElements(bookings("L1", 4, 6)[0], rest(bookings("L1", 4, 6)))
        .advanceWatermarkTo(window(5))
        .addElements(DemandInput.at(DemandInput.created("L1", 4, 890)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(publications(out, "L1", 4))
        .containsInAnyOrder(pub("L1", 4, 0, 6, false), pub("L1", 4, 1, 7, true));
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "demand_window_corrections"), is(1L));
  }

  @Test
  void testObservablyLateBookingAfterTheWindowAlertedRaisesNoSecondAlert(TestPipeline p) {
    TestStream<BookingEvent> input = steadyHour(p, 4)
        .addElements(bookings("L1", 4, 7)[0], rest(bookings("L1", 4, 7)))
        .advanceWatermarkTo(window(5))
        .addElements(DemandInput.at(DemandInput.created("L1", 4, 890)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(publications(out, "L1", 4))
        .containsInAnyOrder(pub("L1", 4, 0, 7, true), pub("L1", 4, 1, 8, true));
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateBookingCorrectsTheNextWindowsBaselineWithoutTakingBackItsAlert(
      TestPipeline p) {
    // Lateness 20 min > the window: W3 is still open when W4 is decided. W0..W2: 5, W3: 3, so
    // W4's 7 is a spike against mean(W1..W3) = 13/3 = 4.33. Two late W3 bookings: W3 becomes 4,
    // then 5 (vs 5: no spike of its own), W4's baseline 14/3 (7 = 1.5 x 4.67: not above), then 5
    // (7 < 7.5): W4 is republished as no spike; its alert stays the only one.
    TestStream.Builder<BookingEvent> s = stream(p);
    int[] counts = {5, 5, 5, 3, 7};
    for (int n = 0; n < counts.length; n++) {
      s = s.addElements(bookings("L1", n, counts[n])[0], rest(bookings("L1", n, counts[n])))
          .advanceWatermarkTo(window(n + 1));
    }
    TestStream<BookingEvent> input = s
        .addElements(DemandInput.at(DemandInput.created("L1", 3, 880)))
        .addElements(DemandInput.at(DemandInput.created("L1", 3, 890)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input)
        .apply(DetectDemandSpikes.create().withAllowedLateness(Duration.standardMinutes(20)));
    PAssert.that(publications(out, "L1", 4)).containsInAnyOrder(
        pub("L1", 4, 0, 7, true), pub("L1", 4, 1, 7, false), pub("L1", 4, 2, 7, false));
    PAssert.that(publications(out, "L1", 3)).containsInAnyOrder(
        pub("L1", 3, 0, 3, false), pub("L1", 3, 1, 4, false), pub("L1", 3, 2, 5, false));
    PAssert.that(alertIds(out)).containsInAnyOrder(alertId("L1", 4));
    p.run().waitUntilFinish();
  }

  @Test
  void testDroppablyLateBookingIsRoutedAndNotCounted(TestPipeline p) {
    // W4 closes when the watermark passes its end + 5 min; a booking for it after that is
    // routed to BEYOND_LATENESS, and W4 keeps its one publication.
    BookingEvent tooLate = DemandInput.created("L1", 4, 890);
    TestStream<BookingEvent> input = steadyHour(p, 4)
        .addElements(bookings("L1", 4, 6)[0], rest(bookings("L1", 4, 6)))
        .advanceWatermarkTo(window(5).plus(LATENESS))
        .addElements(DemandInput.at(tooLate))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(publications(out, "L1", 4)).containsInAnyOrder(pub("L1", 4, 0, 6, false));
    PAssert.that(out.get(DetectDemandSpikes.BEYOND_LATENESS)).containsInAnyOrder(tooLate);
    PAssert.that(alertIds(out)).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "demand_bookings_beyond_lateness"), is(1L));
    assertThat(counter(result, "demand_bookings_counted"), is(22L));
  }

  @Test
  void testOnTimeOtherBookingEventsAreNotDemand(TestPipeline p) {
    // Cancellations, rentals and returns at L1 do not count: W4 has 5 booking_created only.
    List<TimestampedValue<BookingEvent>> others = new ArrayList<>();
    for (BookingEventType type : new BookingEventType[] {
        BookingEventType.BOOKING_CANCELLED, BookingEventType.RENTAL_STARTED,
        BookingEventType.RETURN_COMPLETED}) {
      BookingEvent e = DemandInput.created("L1", 4, 100).toBuilder().setEventType(type).build();
      others.add(DemandInput.at(e));
    }
    TestStream<BookingEvent> input = steadyHour(p, 1)
        .addElements(others.get(0), others.get(1), others.get(2))
        .addElements(bookings("L1", 4, 5)[0], rest(bookings("L1", 4, 5)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input).apply(DetectDemandSpikes.create());
    PAssert.that(publications(out, "L1", 4)).containsInAnyOrder(pub("L1", 4, 0, 5, true));
    p.run().waitUntilFinish();
  }

  @Test
  void testStateAndTimersAreClearedWhenALocationExpires(TestPipeline p) {
    // Expiry 2 h: L1 is forgotten after W0 and starts a new history in W20 (5 h later), so W20
    // has no baseline and is no spike (with the history kept it would be 6 vs 0, a spike).
    // The pipeline finishing at all shows the tick timer stopped: it would otherwise loop.
    TestStream<BookingEvent> input = stream(p)
        .addElements(bookings("L1", 0, 3)[0], rest(bookings("L1", 0, 3)))
        .addElements(bookings("L2", 0, 1)[0])
        .advanceWatermarkTo(window(20))
        .addElements(bookings("L1", 20, 6)[0], rest(bookings("L1", 20, 6)))
        .advanceWatermarkToInfinity();
    PCollectionTuple out = p.apply(input)
        .apply(DetectDemandSpikes.create().withLocationExpiry(Duration.standardHours(2)));
    PAssert.that(alertIds(out)).empty();
    PAssert.that(publications(out, "L1", 20)).containsInAnyOrder(pub("L1", 20, 0, 6, false));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "demand_locations_tracked"), is(0L));
  }
}
