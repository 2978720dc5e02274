package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.UtilizationInput.H0;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.at;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.booking;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.reading;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.signal;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link SampleVehicleStatus} + {@link RollUpUtilization}, named as in Beam's
 * LeaderBoardTest: on time (the hour emitted when the watermark passes its end), observably late
 * (a late reading re-emits its hour with a higher version), droppably late (routed, not counted).
 * Expected numbers are worked out by hand in each test's comments.
 */
@ExtendWith(TestPipelineExtension.class)
class RollUpUtilizationTest {

  /** v1 (home L1) reports every 5 minutes of hour 08, battery 80, never booked. */
  private static TestStream.Builder<RawUnionValue> v1EveryFiveMinutes(TestStream.Builder<RawUnionValue> s) {
    for (int m = 0; m < 60; m += 5) {
      s = s.addElements(signal(reading("v1", at(m), 80, "L1")));
    }
    return s;
  }

  private static PCollectionTuple sample(TestPipeline p, TestStream<RawUnionValue> stream) {
    return UtilizationInput.split(p, stream).apply(SampleVehicleStatus.create());
  }

  /** The newest version of every row, as "hour|location|type" -> row without its version. */
  private static Map<String, UtilizationHourly> newest(Iterable<UtilizationHourly> rows) {
    Map<String, UtilizationHourly> out = new HashMap<>();
    for (UtilizationHourly r : rows) {
      String key = RollUpUtilizationModel.key(r.getWindowStart(), r.getLocationId(), r.getVehicleType());
      UtilizationHourly seen = out.get(key);
      if (seen == null || r.getVersion() > seen.getVersion()) {
        out.put(key, r);
      }
    }
    return out;
  }

  private static String describe(UtilizationHourly r) {
    return r.getLocationId() + " " + r.getVehicleType() + " rented " + r.getRentedSamples() + "/"
        + r.getTotalSamples() + " = " + r.getUtilizationPct() + "% vehicles " + r.getDistinctVehicles()
        + " battery " + r.getAvgBatteryPct() + " time " + r.getRentedVehicleSeconds() + "/"
        + r.getObservedVehicleSeconds() + " s = " + r.getTimeWeightedUtilizationPct() + "%";
  }

  @Test
  void testOnTimeHourWithKnownRentedAndAvailableSamplesGivesExactNumbers(TestPipeline p) {
    // v2 (home L1, battery 60) reports every 5 min too, and is booked at L2 at 08:20, starts at
    // 08:25 and is returned at L3 at 08:45. Per reading: 0-15 available at L1 (home), 20 reserved
    // at L2, 25-40 on trip at L2, 45-55 available at L3. Each span is 5 min (300 s).
    //   L1: v1's 12 + v2's 4 readings, none rented; 16 x 300 s; battery (12x80 + 4x60)/16 = 75.
    //   L2: 5 readings, 4 rented = 80 %; 1500 s, 1200 on trip = 80 %.
    //   L3: 3 readings, 0 rented; 900 s (the last cut at 09:00).
    // The spans carried past 09:00 make no 09:00 rows (no readings there): exactly 3 rows.
    TestStream.Builder<RawUnionValue> s = v1EveryFiveMinutes(UtilizationInput.stream(p));
    s = s.addElements(
        signal(booking("v2", BookingEventType.BOOKING_CREATED, "B1", "L2", at(20), at(20))),
        signal(booking("v2", BookingEventType.RENTAL_STARTED, "B1", "L2", at(25), at(20))),
        signal(booking("v2", BookingEventType.RETURN_COMPLETED, "B1", "L3", at(45), at(20))));
    for (int m = 0; m < 60; m += 5) {
      s = s.addElements(signal(reading("v2", at(m), 60, "L1")));
    }
    PCollection<UtilizationHourly> rows = sample(p, s.advanceWatermarkToInfinity())
        .get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    // The newest version of each row: the stores keep that one. (Once in many runs the
    // DirectRunner fired an extra pane for a group; the newest still said exactly this.)
    PAssert.that(rows).satisfies(all -> {
      java.util.Set<String> newest = new java.util.TreeSet<>();
      newest(all).values().forEach(r -> newest.add(r.getWindowStart() + " " + describe(r)));
      assertThat(newest, is(new java.util.TreeSet<>(java.util.List.of(
          H0 + " L1 e_scooter rented 0/16 = 0.0% vehicles 2 battery 75.0 time 0.0/4800.0 s = 0.0%",
          H0 + " L2 e_scooter rented 4/5 = 80.0% vehicles 1 battery 60.0 time 1200.0/1500.0 s = 80.0%",
          H0 + " L3 e_scooter rented 0/3 = 0.0% vehicles 1 battery 60.0 time 0.0/900.0 s = 0.0%"))));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeBookingArrivingAfterItsReadingsStillLabelsThem(TestPipeline p) {
    // The rental's events arrive after the readings they cover, but before the watermark passes
    // them: readings wait for the watermark, so 08:10 and 08:15 are on trip at L2.
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(signal(reading("v2", at(0), 60, "L1")), signal(reading("v2", at(5), 60, "L1")),
            signal(reading("v2", at(10), 60, "L1")), signal(reading("v2", at(15), 60, "L1")))
        .addElements(
            signal(booking("v2", BookingEventType.BOOKING_CREATED, "B1", "L2", at(6), at(6))),
            signal(booking("v2", BookingEventType.RENTAL_STARTED, "B1", "L2", at(8), at(6))));
    PCollection<UtilizationHourly> rows = sample(p, s.advanceWatermarkToInfinity())
        .get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    PAssert.that(rows.apply(MapElements.into(TypeDescriptors.strings()).via(
            r -> r.getLocationId() + " " + r.getRentedSamples() + "/" + r.getTotalSamples())))
        .containsInAnyOrder("L1 0/2", "L2 2/2");
    p.run().waitUntilFinish();
  }

  @Test
  void testLateReadingWithinTheLatenessIsInTheHoursFirstRow(TestPipeline p) {
    // The watermark is past hour 08 when v3 (home L1) reports for 08:30, inside the lateness. The
    // rollup's input waits for the spans to settle (the lateness), so L1's first row already
    // holds 13 readings, 2 vehicles and v3's 10-minute span (600 s) on top of 3600 s.
    TestStream.Builder<RawUnionValue> s = v1EveryFiveMinutes(UtilizationInput.stream(p))
        .advanceWatermarkTo(at(61))
        .addElements(signal(reading("v3", at(30), 50, "L1")));
    PCollection<UtilizationHourly> rows = sample(p, s.advanceWatermarkToInfinity())
        .get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    PAssert.that(rows.apply(MapElements.into(TypeDescriptors.strings()).via(
            r -> "v" + r.getVersion() + " " + describe(r))))
        .containsInAnyOrder("v0 L1 e_scooter rented 0/13 = 0.0% vehicles 2 battery "
            + (12 * 80 + 50) / 13.0 + " time 0.0/4200.0 s = 0.0%");
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateReadingUpdatesItsHour(TestPipeline p) {
    // v1 falls silent after 08:40, so hour 08 is emitted once the watermark passes 09:00. Then v3
    // reports for 08:30, inside the lateness: L1's row is re-emitted with 10 readings, 2 vehicles
    // and v3's 10-minute span (600 s) on top of v1's 3000 s.
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p);
    for (int m = 0; m <= 40; m += 5) {
      s = s.addElements(signal(reading("v1", at(m), 80, "L1")));
    }
    s = s.advanceWatermarkTo(at(61)).addElements(signal(reading("v3", at(30), 50, "L1")));
    PCollection<UtilizationHourly> rows = sample(p, s.advanceWatermarkToInfinity())
        .get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    PAssert.that(rows).satisfies(all -> {
      Map<String, UtilizationHourly> newest = newest(all);
      UtilizationHourly l1 = newest.get(RollUpUtilizationModel.key(H0, "L1", "e_scooter"));
      assertThat(describe(l1), is(
          "L1 e_scooter rented 0/10 = 0.0% vehicles 2 battery " + (9 * 80 + 50) / 10.0
              + " time 0.0/3600.0 s = 0.0%"));
      assertThat("re-emitted", l1.getVersion(), greaterThan(0L));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateReadingWithinTheLatenessSplitsTheSpanItFallsIn(TestPipeline p) {
    // v1 reports at 08:00 and 08:12; the watermark passes 08:12, then the 08:08 reading arrives
    // (behind the watermark, within the lateness). Its predecessor's span ends at 08:08 and its
    // own runs to 08:12: 480 + 240 + 600 s, as if it had come in order. (Settling spans at the
    // watermark instead gave 600 + 600 s: whether a reading splits a span depended on how far
    // the watermark had got when it arrived, which differs after a restore.)
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(signal(reading("v1", at(0), 80, "L1")), signal(reading("v1", at(12), 80, "L1")))
        .advanceWatermarkTo(at(13))
        .addElements(signal(reading("v1", at(8), 80, "L1")));
    PCollectionTuple out = sample(p, s.advanceWatermarkToInfinity());
    PAssert.that(out.get(SampleVehicleStatus.SAMPLES).apply(MapElements.into(TypeDescriptors.strings())
            .via(x -> x.getTime() + " " + (x.getReading() ? "reading" : "span " + x.getSpanMillis()))))
        .containsInAnyOrder(
            at(0) + " reading", at(0) + " span 480000", at(8) + " reading", at(8) + " span 240000",
            at(12) + " reading", at(12) + " span 600000");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_without_span"), is(0L));
  }

  @Test
  void testDroppablyLateReadingIsRoutedAndNotCounted(TestPipeline p) {
    // v1's hour 08 closes when the watermark reaches 09:05; its reading for 08:30 after that goes
    // to BEYOND_LATENESS and the row keeps 12 readings.
    EnrichedTelemetry tooLate = reading("v1", at(30, 30), 10, "L1");
    TestStream.Builder<RawUnionValue> s = v1EveryFiveMinutes(UtilizationInput.stream(p))
        .advanceWatermarkTo(at(66))
        .addElements(signal(tooLate));
    PCollectionTuple samples = sample(p, s.advanceWatermarkToInfinity());
    PCollection<UtilizationHourly> rows =
        samples.get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    PAssert.that(samples.get(SampleVehicleStatus.BEYOND_LATENESS)).containsInAnyOrder(tooLate);
    PAssert.that(rows.apply(MapElements.into(TypeDescriptors.strings()).via(
            r -> r.getLocationId() + " v" + r.getVersion() + " " + r.getTotalSamples())))
        .containsInAnyOrder("L1 v0 12");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_beyond_lateness"), is(1L));
  }

  @Test
  void testOnTimeUnknownVehicleIsRolledUpAsUnknownTypeAndLocation(TestPipeline p) {
    // No vehicle metadata and no booking: location and type "unknown", not dropped.
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(signal(reading("v9", at(10), 40, null)));
    PCollection<UtilizationHourly> rows = sample(p, s.advanceWatermarkToInfinity())
        .get(SampleVehicleStatus.SAMPLES).apply(RollUpUtilization.create());
    PAssert.that(rows.apply(MapElements.into(TypeDescriptors.strings()).via(
            r -> r.getLocationId() + " " + r.getVehicleType() + " " + r.getTotalSamples()
                + " " + r.getObservedVehicleSeconds())))
        .containsInAnyOrder("unknown unknown 1 600.0");
    p.run().waitUntilFinish();
  }

  @Test
  void testStateIsClearedWhenAVehicleGoesQuietAfterItsReturn(TestPipeline p) {
    // v2 is returned at 08:20 and falls silent after 08:30. It keeps its return (it belongs at L3)
    // until the idle expiry, here 1 day: then it holds nothing and no timer (the run ends).
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(
            signal(booking("v2", BookingEventType.RENTAL_STARTED, "B1", "L2", at(5), at(5))),
            signal(booking("v2", BookingEventType.RETURN_COMPLETED, "B1", "L3", at(20), at(5))),
            signal(reading("v2", at(10), 60, "L1")), signal(reading("v2", at(30), 60, "L1")))
        .advanceWatermarkTo(at(120));
    PCollectionTuple out = UtilizationInput.split(p, s.advanceWatermarkToInfinity())
        .apply(SampleVehicleStatus.create().withIdleExpiry(Duration.standardDays(1)));
    PAssert.that(out.get(SampleVehicleStatus.SAMPLES).apply(MapElements.into(TypeDescriptors.strings())
            .via(x -> x.getTime() + " " + x.getStatus() + " " + x.getLocationId() + " "
                + (x.getReading() ? "reading" : "span " + x.getSpanMillis()))))
        .containsInAnyOrder(
            at(10) + " ON_TRIP L2 reading", at(10) + " ON_TRIP L2 span 600000",
            at(30) + " AVAILABLE L3 reading", at(30) + " AVAILABLE L3 span 600000");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_vehicles_with_state"), is(0L));
    assertThat("no reading left waiting", PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_waiting"), is(0L));
    assertThat("no reading left unsettled", PipelineMetrics.counter(result,
        SampleVehicleStatus.class, "utilization_readings_unsettled"), is(0L));
    assertThat("no span left open", PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_open_spans"), is(0L));
  }

  @Test
  void testOnTimeRepeatedAndSimultaneousReadingsAreEachSampled(TestPipeline p) {
    // The same reading delivered twice (past the dedup horizon, say) and another of the same
    // instant: each waits as its own entry and is sampled, as a single buffer did. Their one
    // instant opens one span of 10 minutes; v1's 08:20 reading has its own.
    EnrichedTelemetry twice = reading("v1", at(10), 70, "L1");
    TestStream.Builder<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(signal(twice), signal(reading("v1", at(10), 70, "L1")))
        .addElements(signal(twice), signal(reading("v1", at(20), 70, "L1")));
    PCollectionTuple out = sample(p, s.advanceWatermarkToInfinity());
    PAssert.that(out.get(SampleVehicleStatus.SAMPLES).apply(MapElements.into(TypeDescriptors.strings())
            .via(x -> x.getTime() + " " + (x.getReading() ? "reading" : "span " + x.getSpanMillis()))))
        .containsInAnyOrder(
            at(10) + " reading", at(10) + " reading", at(10) + " reading", at(10) + " span 600000",
            at(20) + " reading", at(20) + " span 600000");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_sampled"), is(4L));
    assertThat(PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_waiting"), is(0L));
  }
}
