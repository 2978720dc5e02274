package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static com.mobilitycorp.fleet.transforms.Events.telemetry;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link DeduplicateEvents} against {@link DeduplicateEventsModel} on a seeded random
 * stream with resends (some beyond the horizon), disorder and a moving watermark. The fleet
 * simulator's version of this check lives in the testing module.
 */
@ExtendWith(TestPipelineExtension.class)
class DeduplicateEventsModelCheckTest {
  private static final Duration HORIZON = Duration.standardMinutes(10);

  @Test
  void testTransformMatchesModelOnRandomResendsAndDisorder(TestPipeline p) {
    Random random = new Random(20261125);
    DeduplicateEventsModel<TelemetryEvent> model = new DeduplicateEventsModel<>(HORIZON);
    TestStream.Builder<TelemetryEvent> stream = TestStream.create(Events.telemetryCoder(p));
    List<TelemetryEvent> sent = new ArrayList<>();
    Instant watermark = T0.minus(Duration.standardMinutes(5));
    stream = stream.advanceWatermarkTo(watermark);
    for (int step = 0; step < 400; step++) {
      TelemetryEvent event = null;
      if (!sent.isEmpty() && random.nextInt(4) == 0) {
        TelemetryEvent resend = sent.get(random.nextInt(sent.size())); // possibly long after
        // Beam does not order an element behind the watermark against a watermark advance that
        // follows it, so a copy whose id expires before the next advance could be seen before or
        // after the expiry timer fires: either outcome is correct, the model cannot predict it.
        Instant expiry = resend.getEventTime().plus(HORIZON);
        Instant nextAdvance = T0.plus(Duration.standardSeconds((step / 10 * 10 + 9) * 15L - 300));
        boolean ambiguous = !expiry.isBefore(watermark) && expiry.isBefore(nextAdvance);
        event = ambiguous ? null : resend;
      }
      if (event == null) {
        // Up to 5 minutes behind the newest event time.
        Instant eventTime =
            T0.plus(Duration.standardSeconds(step * 15L - random.nextInt(300)));
        event = telemetry("v" + random.nextInt(7), "e" + step, eventTime);
        sent.add(event);
      }
      stream = stream.addElements(TimestampedValue.of(event, event.getEventTime()));
      model.onEvent(event);
      Instant next = T0.plus(Duration.standardSeconds(step * 15L - 300));
      if (step % 10 == 9 && next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
        model.onWatermark(watermark);
      }
    }

    PAssert.that(p.apply(stream.advanceWatermarkToInfinity()).apply(DeduplicateEvents.within(HORIZON)))
        .containsInAnyOrder(model.passed());
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat("the input must exercise dropping", model.dropped(), greaterThan(20L));
    assertThat(
        "the input must exercise forgetting (a resend passing again)",
        (long) model.passed().size(), greaterThan((long) sent.size()));
    assertThat(
        PipelineMetrics.counter(result, DeduplicateEvents.class, "duplicates_dropped"),
        is(model.dropped()));
  }
}
