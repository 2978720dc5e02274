package com.mobilitycorp.fleet.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DemandWindow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link DetectDemandSpikes} against {@link DetectDemandSpikesModel} on seeded random
 * demand at several locations (steady, quiet, bursting), delivered out of order, some of it late
 * and some beyond the lateness, with a watermark trailing the newest event time by 5 minutes (as
 * the Kafka source's). The transform and the model see the same arrival order and watermark
 * steps. The highest revision of every published window must equal the model's final window, and
 * the alerts and the bookings beyond the lateness must be the model's.
 */
@ExtendWith(TestPipelineExtension.class)
class DetectDemandSpikesModelCheckTest {
  private static final Duration MAX_DISORDER = Duration.standardMinutes(5);

  @Test
  void testFinalWindowsAlertsAndLateBookingsMatchModelOnRandomDemandWithDisorder(TestPipeline p) {
    Random random = new Random(20261201);
    List<BookingEvent> bookings = new ArrayList<>();
    List<Long> delivery = new ArrayList<>();
    long horizon = Duration.standardHours(5).getMillis();
    for (int l = 0; l < 5; l++) {
      String location = "L" + l;
      double rate = 1 + random.nextInt(6); // bookings per 15 minutes
      for (int n = 0; n * DemandInput.WINDOW.getMillis() < horizon; n++) {
        int roll = random.nextInt(12);
        double mean = roll == 0 ? rate * 3 : roll == 1 ? 0 : rate; // bursts and quiet windows
        int count = (int) Math.round(mean * (0.6 + 0.8 * random.nextDouble()));
        for (int i = 0; i < count; i++) {
          BookingEvent e = DemandInput.created(location, n, random.nextInt(900));
          bookings.add(e);
          long t = e.getEventTime().getMillis();
          int late = random.nextInt(100);
          delivery.add(t + (late < 6 ? 600_000 + random.nextInt(1_200_000)
              : late < 30 ? random.nextInt(280_000) : random.nextInt(2_000)));
        }
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < bookings.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(delivery::get));

    DetectDemandSpikes transform = DetectDemandSpikes.create();
    DetectDemandSpikesModel model = transform.model();
    TestStream.Builder<BookingEvent> stream =
        TestStream.create(DemandInput.coder(p)).advanceWatermarkTo(DemandInput.window(0));
    model.advanceWatermark(DemandInput.window(0));
    long newest = Long.MIN_VALUE;
    int sinceAdvance = 0;
    Instant lastWatermark = DemandInput.window(0);
    for (int i : order) {
      BookingEvent e = bookings.get(i);
      stream = stream.addElements(DemandInput.at(e));
      model.offer(e);
      newest = Math.max(newest, e.getEventTime().getMillis());
      if (++sinceAdvance == 2) {
        Instant watermark = new Instant(newest).minus(MAX_DISORDER);
        if (watermark.isAfter(lastWatermark)) {
          stream = stream.advanceWatermarkTo(watermark);
          model.advanceWatermark(watermark);
          lastWatermark = watermark;
        }
        sinceAdvance = 0;
      }
    }
    model.advanceWatermark(new Instant(Long.MAX_VALUE / 2));
    // Strings, not DemandWindows, so the assertion's closure can be serialised.
    Map<String, String> expected = new TreeMap<>();
    model.finalWindows().forEach((key, w) -> expected.put(key, decision(w)));
    Set<String> expectedAlerts = model.spikeAlertIds();
    Set<String> expectedLate = new TreeSet<>();
    model.beyondLateness().forEach(e -> expectedLate.add(e.getEventId()));
    // The stream must exercise what it checks.
    assertThat(expectedAlerts.size(), greaterThan(3));
    assertThat(expectedLate.size(), greaterThan(3));

    PCollectionTuple out = p.apply(stream.advanceWatermarkToInfinity()).apply(transform);
    PAssert.that(out.get(DetectDemandSpikes.WINDOWS)).satisfies(all -> {
      Map<String, DemandWindow> newestRevision = new TreeMap<>();
      Map<String, Integer> publications = new HashMap<>();
      for (DemandWindow w : all) {
        String key = DetectDemandSpikesModel.key(w.getLocationId(), w.getWindowStart());
        publications.merge(key, 1, Integer::sum);
        DemandWindow seen = newestRevision.get(key);
        if (seen == null || w.getRevision() > seen.getRevision()) {
          newestRevision.put(key, w);
        }
      }
      assertThat(newestRevision.keySet(), is(expected.keySet()));
      newestRevision.forEach((key, w) -> {
        // Revisions count 0, 1, 2, ... : one publication per revision.
        assertThat(key, w.getRevision() + 1, is(publications.get(key)));
        assertThat(key, decision(w), is(expected.get(key)));
      });
      return null;
    });
    PAssert.that(out.get(DetectDemandSpikes.ALERTS)
            .apply("AlertIds", MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId)))
        .containsInAnyOrder(expectedAlerts);
    PAssert.that(out.get(DetectDemandSpikes.BEYOND_LATENESS)
            .apply("LateIds", MapElements.into(TypeDescriptors.strings()).via(BookingEvent::getEventId)))
        .containsInAnyOrder(expectedLate);
    p.run().waitUntilFinish();
  }

  /** Everything a window's publication decides, without its revision. */
  private static String decision(DemandWindow w) {
    return w.toBuilder().setRevision(0).build().toString();
  }
}
