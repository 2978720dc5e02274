package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.UtilizationInput.at;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.booking;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.reading;
import static com.mobilitycorp.fleet.transforms.UtilizationInput.signal;

import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.LocationMetrics;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TestStream cases for {@link SummariseLocationsPerMinute}: on time and observably late. */
@ExtendWith(TestPipelineExtension.class)
class SummariseLocationsPerMinuteTest {

  private static PCollection<String> metrics(TestPipeline p, TestStream<RawUnionValue> stream) {
    return UtilizationInput.split(p, stream)
        .apply(SampleVehicleStatus.create())
        .get(SampleVehicleStatus.LABELLED_READINGS)
        .apply(SummariseLocationsPerMinute.create(SampleVehicleStatus.DEFAULT_ALLOWED_LATENESS))
        .apply(MapElements.into(TypeDescriptors.strings()).via(SummariseLocationsPerMinuteTest::describe));
  }

  private static String describe(LocationMetrics m) {
    return m.getLocationId() + " " + m.getWindowStart() + " r" + m.getRevision() + " readings "
        + m.getReadings() + " util " + m.getUtilizationPct() + " battery " + m.getAvgBatteryPct()
        + " vehicles " + m.getVehicles() + " available " + m.getVehiclesAvailable();
  }

  @Test
  void testOnTimeMinuteCountsReadingsUtilizationBatteryAndAvailableVehicles(TestPipeline p) {
    // Minute 08:10 at L1: v1 available (80, 70), v2 on trip from L1 (60), v3 available (50).
    // 4 readings, 1 on trip = 25 %; battery 65; 3 vehicles, 2 available.
    TestStream<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(
            signal(booking("v2", BookingEventType.RENTAL_STARTED, "B1", "L1", at(9), at(9))),
            signal(reading("v1", at(10, 5), 80, "L1")), signal(reading("v1", at(10, 45), 70, "L1")),
            signal(reading("v2", at(10, 20), 60, "L9")), signal(reading("v3", at(10, 30), 50, "L1")))
        .advanceWatermarkToInfinity();
    PAssert.that(metrics(p, s)).containsInAnyOrder(
        "L1 " + at(10) + " r0 readings 4 util 25.0 battery 65.0 vehicles 3 available 2");
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateReadingReEmitsItsMinute(TestPipeline p) {
    // After minute 08:10 was emitted, v3's reading for it arrives within the lateness.
    TestStream<RawUnionValue> s = UtilizationInput.stream(p)
        .addElements(signal(reading("v1", at(10, 5), 80, "L1")))
        .advanceWatermarkTo(at(12))
        .addElements(signal(reading("v3", at(10, 30), 40, "L1")))
        .advanceWatermarkToInfinity();
    PAssert.that(metrics(p, s)).containsInAnyOrder(
        "L1 " + at(10) + " r0 readings 1 util 0.0 battery 80.0 vehicles 1 available 1",
        "L1 " + at(10) + " r1 readings 2 util 0.0 battery 60.0 vehicles 2 available 2");
    p.run().waitUntilFinish();
  }
}
