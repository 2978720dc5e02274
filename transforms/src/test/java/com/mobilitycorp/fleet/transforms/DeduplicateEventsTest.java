package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static com.mobilitycorp.fleet.transforms.Events.telemetry;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.TelemetryEvent;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link DeduplicateEvents}, named after Beam's LeaderBoardTest: on time,
 * observably late (behind the watermark but within the horizon) and beyond the horizon (the
 * dedup analogue of droppably late: the id is forgotten, so the copy passes).
 */
@ExtendWith(TestPipelineExtension.class)
class DeduplicateEventsTest {
  private static final Duration HORIZON = Duration.standardMinutes(10);

  private static TimestampedValue<TelemetryEvent> at(TelemetryEvent event) {
    return TimestampedValue.of(event, event.getEventTime());
  }

  private static Instant plusMinutes(long minutes) {
    return T0.plus(Duration.standardMinutes(minutes));
  }

  @Test
  void testDuplicateOnTimeIsDropped(TestPipeline p) {
    TelemetryEvent first = telemetry("v1", "e1", T0);
    TelemetryEvent next = telemetry("v1", "e2", T0.plus(Duration.standardSeconds(10)));
    TestStream<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p))
            .advanceWatermarkTo(T0)
            .addElements(at(first), at(first))
            .advanceWatermarkTo(T0.plus(Duration.standardSeconds(5)))
            .addElements(at(next), at(first))
            .advanceWatermarkToInfinity();

    PCollection<TelemetryEvent> unique =
        p.apply(stream).apply(DeduplicateEvents.within(HORIZON));

    PAssert.that(unique).containsInAnyOrder(first, next);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, DeduplicateEvents.class, "duplicates_dropped"), is(2L));
    assertThat(PipelineMetrics.counter(result, DeduplicateEvents.class, "events_passed"), is(2L));
  }

  @Test
  void testDuplicatesInterleavedAcrossVehiclesAreDroppedPerVehicle(TestPipeline p) {
    TelemetryEvent a1 = telemetry("vA", "a1", T0);
    TelemetryEvent b1 = telemetry("vB", "b1", T0.plus(Duration.standardSeconds(1)));
    TelemetryEvent a2 = telemetry("vA", "a2", T0.plus(Duration.standardSeconds(10)));
    TelemetryEvent b2 = telemetry("vB", "b2", T0.plus(Duration.standardSeconds(11)));
    // Ids are unique per message fleet-wide; the same id on another vehicle is another message.
    TelemetryEvent c1SameIdAsA1 = telemetry("vC", "a1", T0.plus(Duration.standardSeconds(12)));
    TestStream<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p))
            .advanceWatermarkTo(T0)
            .addElements(at(a1), at(b1), at(a1), at(b2), at(b1), at(a2), at(c1SameIdAsA1))
            .addElements(at(b2), at(a2))
            .advanceWatermarkToInfinity();

    PCollection<TelemetryEvent> unique =
        p.apply(stream).apply(DeduplicateEvents.within(HORIZON));

    PAssert.that(unique).containsInAnyOrder(a1, b1, a2, b2, c1SameIdAsA1);
    p.run().waitUntilFinish();
  }

  @Test
  void testDuplicatesArrivingOutOfOrderAreDropped(TestPipeline p) {
    TelemetryEvent e1 = telemetry("v1", "e1", plusMinutes(1));
    TelemetryEvent e2 = telemetry("v1", "e2", plusMinutes(2));
    TelemetryEvent e3 = telemetry("v1", "e3", plusMinutes(3));
    TestStream<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p))
            .advanceWatermarkTo(T0)
            .addElements(at(e3), at(e1))
            .advanceWatermarkTo(plusMinutes(1))
            .addElements(at(e2), at(e1), at(e3))
            .advanceWatermarkTo(plusMinutes(3))
            .addElements(at(e2))
            .advanceWatermarkToInfinity();

    PCollection<TelemetryEvent> unique =
        p.apply(stream).apply(DeduplicateEvents.within(HORIZON));

    PAssert.that(unique).containsInAnyOrder(e1, e2, e3);
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateDuplicateIsDropped(TestPipeline p) {
    // 8 minutes behind the watermark: beyond the 5-minute disorder, still inside the horizon.
    TelemetryEvent late = telemetry("v1", "late", T0);
    TelemetryEvent current = telemetry("v1", "current", plusMinutes(8));
    TestStream<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p))
            .addElements(at(current))
            .advanceWatermarkTo(plusMinutes(8))
            .addElements(at(late))
            .addElements(at(late))
            .advanceWatermarkToInfinity();

    PCollection<TelemetryEvent> unique =
        p.apply(stream).apply(DeduplicateEvents.within(HORIZON));

    // The late event is not lost, and its copy is still recognised.
    PAssert.that(unique).containsInAnyOrder(current, late);
    p.run().waitUntilFinish();
  }

  @Test
  void testDuplicateBeyondHorizonPassesAgain(TestPipeline p) {
    TelemetryEvent e1 = telemetry("v1", "e1", T0);
    TelemetryEvent later = telemetry("v1", "e2", plusMinutes(11));
    TestStream<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p))
            .advanceWatermarkTo(T0)
            .addElements(at(e1))
            .advanceWatermarkTo(plusMinutes(9))
            .addElements(at(e1)) // inside the horizon: dropped
            .addElements(at(later))
            // Past T0 + 10 min: e1's id is forgotten and its state cleared.
            .advanceWatermarkTo(plusMinutes(11))
            .addElements(at(e1))
            .advanceWatermarkToInfinity();

    PCollection<TelemetryEvent> unique =
        p.apply(stream).apply(DeduplicateEvents.within(HORIZON));

    PAssert.that(unique).containsInAnyOrder(e1, later, e1);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(PipelineMetrics.counter(result, DeduplicateEvents.class, "duplicates_dropped"), is(1L));
  }

  @Test
  void testStateIsClearedWhenIdsExpire(TestPipeline p) {
    TestStream.Builder<TelemetryEvent> stream =
        TestStream.create(Events.telemetryCoder(p)).advanceWatermarkTo(T0);
    for (int i = 0; i < 50; i++) {
      TelemetryEvent event = telemetry("v" + (i % 5), "e" + i, T0.plus(Duration.standardSeconds(i * 30)));
      stream = stream.addElements(at(event), at(event));
      stream = stream.advanceWatermarkTo(event.getEventTime());
    }

    p.apply(stream.advanceWatermarkToInfinity()).apply(DeduplicateEvents.within(HORIZON));

    PipelineResult result = p.run();
    result.waitUntilFinish();
    // Every id remembered was forgotten again by its expiry timer: no state is left behind.
    assertThat(PipelineMetrics.counter(result, DeduplicateEvents.class, "events_passed"), is(50L));
    assertThat(PipelineMetrics.counter(result, DeduplicateEvents.class, "tracked_event_ids"), is(0L));
  }
}
