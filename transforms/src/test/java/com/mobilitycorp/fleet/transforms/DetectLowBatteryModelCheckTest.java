package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link DetectLowBattery} against {@link DetectLowBatteryModel} on seeded random battery
 * curves (drain, swaps, readings hovering at the threshold) delivered out of order, some beyond the
 * lateness, with a moving watermark. One reading per TestStream step, so both see the same
 * arrival order; the published alert ids must be the same.
 */
@ExtendWith(TestPipelineExtension.class)
class DetectLowBatteryModelCheckTest {
  private static final Duration LATENESS = DetectLowBattery.DEFAULT_ALLOWED_LATENESS;

  @Test
  void testAlertIdsMatchModelOnRandomBatteryCurvesWithDisorder(TestPipeline p) {
    Random random = new Random(20261125);
    List<TelemetryEvent> readings = new ArrayList<>();
    List<Long> delivery = new ArrayList<>();
    for (int v = 0; v < 6; v++) {
      double battery = 30 + random.nextInt(20);
      long t = random.nextInt(30_000);
      for (int i = 0; i < 70; i++) {
        int roll = random.nextInt(20);
        battery = roll == 0 ? 95 : roll < 4 ? 19.5 + random.nextInt(2) : Math.max(1, battery - random.nextDouble() * 2);
        TelemetryEvent e =
            InventoryInput.telemetry("v" + v, "v" + v + "-" + i, T0.plus(t), 52.5,
                Math.round(battery * 10) / 10.0, OperationalStatus.OPERATIONAL);
        readings.add(e);
        int late = random.nextInt(100);
        delivery.add(t + (late < 4 ? 400_000 + random.nextInt(400_000)
            : late < 30 ? random.nextInt(240_000) : random.nextInt(2_000)));
        t += 20_000 + random.nextInt(60_000);
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < readings.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(delivery::get));

    DetectLowBatteryModel model = new DetectLowBatteryModel(20.0, 0.0, LATENESS);
    TestStream.Builder<com.mobilitycorp.fleet.model.EnrichedTelemetry> stream =
        TestStream.create(Events.enrichedCoder(p)).advanceWatermarkTo(T0);
    Instant watermark = T0;
    int step = 0;
    for (int i : order) {
      TelemetryEvent e = readings.get(i);
      stream = stream.addElements(TimestampedValue.of(Events.bare(e), e.getEventTime()));
      model.onReading(e);
      Instant next = T0.plus(delivery.get(i)).minus(Duration.standardMinutes(5));
      if (++step % 10 == 0 && next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
        model.onWatermark(watermark);
      }
    }

    PAssert.that(
            p.apply(stream.advanceWatermarkToInfinity())
                .apply(DetectLowBattery.create())
                .apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId)))
        .containsInAnyOrder(model.published());
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat("the curves must produce alerts", model.published().size(), greaterThan(15));
    assertThat("the input must exercise late readings", model.beyondLateness(), greaterThan(3L));
    assertThat(
        PipelineMetrics.counter(result, DetectLowBattery.class, "low_battery_readings_beyond_lateness"),
        is(model.beyondLateness()));
  }
}
