package com.mobilitycorp.fleet.pipelines;

import com.mobilitycorp.fleet.model.LocationMetrics;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import com.mobilitycorp.fleet.transforms.RollUpUtilization;
import com.mobilitycorp.fleet.transforms.SummariseLocationsPerMinute;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.TestFlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The per-minute and per-hour summaries on FlinkRunner (embedded, streaming), not only on the
 * DirectRunner: FlinkRunner fires a window's timers one at a time, and when the watermark jumps
 * past a window's end and its allowed lateness in one step (a job catching up on a backlog, idle
 * partitions at the end of a stream), the clean-up timer used to emit a second, empty ON_TIME pane
 * with revision 0 after the end-of-window timer had emitted and cleared the window. The
 * fault-injection test found it as repeated revisions on {@code metrics.location.1m}.
 */
class WindowedSummariesOnFlinkRunnerTest {

  private static final Duration LATENESS = Duration.standardMinutes(5);
  private static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");

  private static TestPipeline flinkPipeline() {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(TestFlinkRunner.class);
    options.setStreaming(true);
    // One task per operator and one element per bundle, so that a reading sent after a watermark
    // reaches the window after it: with two upstream tasks the window's watermark waits for both,
    // and an operator holds its watermark back until its bundle finishes; either way a "late"
    // reading could overtake the watermark and count as on time.
    options.setParallelism(1);
    options.setMaxBundleSize(1L);
    // Not a JUnit 4 rule here; the enforcement the rule would install, and run() still checks that
    // every PAssert succeeded.
    return TestPipeline.fromOptions(options).enableAbandonedNodeEnforcement(true);
  }

  private static TimestampedValue<VehicleStatusSample> reading(
      String vehicle, Instant time, String location, double battery) {
    return TimestampedValue.of(VehicleStatusSample.reading(vehicle, time, VehicleStatus.AVAILABLE,
        location, "scooter", battery), time);
  }

  private static TestStream.Builder<VehicleStatusSample> stream(TestPipeline p) {
    try {
      return TestStream.create(p.getSchemaRegistry().getSchemaCoder(VehicleStatusSample.class))
          .advanceWatermarkTo(T0);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PCollection<String> minutes(TestPipeline p, TestStream<VehicleStatusSample> s) {
    return p.apply("Samples", s)
        .apply("SummariseLocationsPerMinute", SummariseLocationsPerMinute.create(LATENESS))
        .apply("Describe", MapElements.into(TypeDescriptors.strings())
            .via((LocationMetrics m) -> m.getLocationId() + " " + m.getWindowStart() + " r"
                + m.getRevision() + " readings " + m.getReadings()));
  }

  private static PCollection<String> hours(TestPipeline p, TestStream<VehicleStatusSample> s) {
    return p.apply("Samples", s)
        .apply("RollUpUtilization", RollUpUtilization.create(LATENESS, Duration.standardMinutes(10)))
        .apply("Describe", MapElements.into(TypeDescriptors.strings())
            .via((UtilizationHourly u) -> u.getLocationId() + " " + u.getWindowStart() + " v"
                + u.getVersion() + " samples " + u.getTotalSamples()));
  }

  @Test
  void testWatermarkJumpingPastTheLatenessEmitsEachMinuteOnce() {
    TestPipeline p = flinkPipeline();
    TestStream<VehicleStatusSample> s = stream(p)
        .addElements(reading("v1", T0.plus(Duration.standardSeconds(5)), "L1", 80),
            reading("v2", T0.plus(Duration.standardSeconds(40)), "L1", 60),
            reading("v1", T0.plus(Duration.standardSeconds(65)), "L2", 70))
        .advanceWatermarkTo(T0.plus(Duration.standardHours(1))) // past both minutes' lateness
        .advanceWatermarkToInfinity();
    PAssert.that(minutes(p, s)).containsInAnyOrder(
        "L1 " + T0 + " r0 readings 2",
        "L2 " + T0.plus(Duration.standardMinutes(1)) + " r0 readings 1");
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateReadingOnFlinkRunnerIsRevisionOne() {
    TestPipeline p = flinkPipeline();
    TestStream<VehicleStatusSample> s = stream(p)
        .addElements(reading("v1", T0.plus(Duration.standardSeconds(5)), "L1", 80))
        .advanceWatermarkTo(T0.plus(Duration.standardMinutes(3))) // minute 08:00 on time
        .addElements(reading("v2", T0.plus(Duration.standardSeconds(30)), "L1", 60))
        .advanceWatermarkToInfinity();
    PAssert.that(minutes(p, s)).containsInAnyOrder(
        "L1 " + T0 + " r0 readings 1",
        "L1 " + T0 + " r1 readings 2");
    p.run().waitUntilFinish();
  }

  @Test
  void testWatermarkJumpingPastTheLatenessEmitsEachHourOnce() {
    TestPipeline p = flinkPipeline();
    TestStream<VehicleStatusSample> s = stream(p)
        .addElements(reading("v1", T0.plus(Duration.standardMinutes(5)), "L1", 80),
            reading("v2", T0.plus(Duration.standardMinutes(50)), "L1", 60))
        .advanceWatermarkTo(T0.plus(Duration.standardHours(3))) // past the hour's lateness
        .advanceWatermarkToInfinity();
    PAssert.that(hours(p, s)).containsInAnyOrder("L1 " + T0 + " v0 samples 2");
    p.run().waitUntilFinish();
  }
}
