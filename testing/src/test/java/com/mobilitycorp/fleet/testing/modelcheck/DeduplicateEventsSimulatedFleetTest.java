package com.mobilitycorp.fleet.testing.modelcheck;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.transforms.DeduplicateEvents;
import com.mobilitycorp.fleet.transforms.DeduplicateEventsModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link DeduplicateEvents} against {@link DeduplicateEventsModel} on the simulated fleet's
 * telemetry, delivered as the simulator delivers it (resends, disorder, late events), with the
 * watermark the Kafka source would compute: newest event time seen minus 5 minutes.
 */
@ExtendWith(TestPipelineExtension.class)
class DeduplicateEventsSimulatedFleetTest {
  private static final Duration HORIZON = DeduplicateEvents.DEFAULT_HORIZON;
  private static final Duration MAX_DISORDER = Duration.standardMinutes(5);
  private static final int BATCH = 100;

  @Test
  void testTransformMatchesModelOnSimulatedFleet(TestPipeline p) throws Exception {
    FleetSimulator simulator =
        new FleetSimulator(
            SimulatorConfig.builder()
                .seed(7)
                .vehicleCount(30)
                .locationCount(8)
                .start(Instant.parse("2026-11-25T07:00:00Z"))
                .duration(Duration.standardMinutes(60))
                .duplicateRate(0.10)
                .lateRate(0.02)
                .malformedRate(0)
                .build());
    List<TelemetryEvent> delivered = new ArrayList<>();
    for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
      if (message.isTelemetry()) {
        delivered.add(message.telemetry());
      }
    }

    DeduplicateEventsModel<TelemetryEvent> model = new DeduplicateEventsModel<>(HORIZON);
    TestStream.Builder<TelemetryEvent> stream =
        TestStream.create(p.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class));
    Instant watermark = new Instant(0);
    Instant newest = new Instant(0);
    // Ids whose copy arrived while its expiry lay between this watermark and the next: Beam does
    // not order such a late copy against the expiry timer, so one or two copies are both right.
    Set<String> ambiguous = new HashSet<>();
    for (int start = 0; start < delivered.size(); start += BATCH) {
      List<TelemetryEvent> batch = delivered.subList(start, Math.min(delivered.size(), start + BATCH));
      List<TimestampedValue<TelemetryEvent>> values = new ArrayList<>();
      for (TelemetryEvent event : batch) {
        values.add(TimestampedValue.of(event, event.getEventTime()));
        newest = event.getEventTime().isAfter(newest) ? event.getEventTime() : newest;
      }
      Instant next = newest.minus(MAX_DISORDER);
      for (TelemetryEvent event : batch) {
        Instant expiry = event.getEventTime().plus(HORIZON);
        if (!expiry.isBefore(watermark) && expiry.isBefore(next)) {
          ambiguous.add(event.getEventId());
        }
        model.onEvent(event);
      }
      stream = stream.addElements(values.get(0), values.subList(1, values.size()).toArray(TimestampedValue[]::new));
      if (next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
        model.onWatermark(watermark);
      }
    }

    Map<String, Integer> expectedCopies = copiesById(model.passed());
    PAssert.that(p.apply(stream.advanceWatermarkToInfinity()).apply(DeduplicateEvents.within(HORIZON)))
        .satisfies(new MatchesModel(expectedCopies, ambiguous));
    p.run().waitUntilFinish();

    assertThat("the input must contain resends", delivered.size() - expectedCopies.size(), greaterThan(100));
    assertThat("ambiguous ids must stay a small minority", ambiguous.size() * 20 < expectedCopies.size(), is(true));
  }

  private static Map<String, Integer> copiesById(Iterable<TelemetryEvent> events) {
    Map<String, Integer> copies = new HashMap<>();
    for (TelemetryEvent event : events) {
      copies.merge(event.getEventId(), 1, Integer::sum);
    }
    return copies;
  }

  /** Same copies per id as the model; ids in the ambiguous band may pass once or twice. */
  private static final class MatchesModel implements SerializableFunction<Iterable<TelemetryEvent>, Void> {
    private static final long serialVersionUID = 1L;
    private final Map<String, Integer> expected;
    private final Set<String> ambiguous;

    MatchesModel(Map<String, Integer> expected, Set<String> ambiguous) {
      this.expected = new HashMap<>(expected);
      this.ambiguous = new HashSet<>(ambiguous);
    }

    @Override
    public Void apply(Iterable<TelemetryEvent> actual) {
      Map<String, Integer> copies = copiesById(actual);
      assertThat("same event ids as the model", copies.keySet(), is(expected.keySet()));
      for (Map.Entry<String, Integer> id : expected.entrySet()) {
        int got = copies.get(id.getKey());
        if (ambiguous.contains(id.getKey())) {
          assertThat("copies of " + id.getKey(), got >= 1 && got <= 2, is(true));
        } else {
          assertThat("copies of " + id.getKey(), got, is(id.getValue()));
        }
      }
      return null;
    }
  }
}
