package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link DetectLowBattery}, named as in Beam's LeaderBoardTest (on time,
 * observably late, droppably late). Each reading is its own TestStream step, so arrival order is
 * the test's. Alerts are compared by id (the detection time is the wall clock).
 */
@ExtendWith(TestPipelineExtension.class)
class DetectLowBatteryTest {

  private static Instant sec(long seconds) {
    return T0.plus(Duration.standardSeconds(seconds));
  }

  private static TimestampedValue<EnrichedTelemetry> reading(String id, Instant at, double battery) {
    TelemetryEvent e =
        InventoryInput.telemetry("v1", id, at, 52.5, battery, OperationalStatus.OPERATIONAL);
    return TimestampedValue.of(Events.bare(e), at);
  }

  private static TestStream.Builder<EnrichedTelemetry> stream(TestPipeline p) {
    return TestStream.create(Events.enrichedCoder(p)).advanceWatermarkTo(T0);
  }

  private static PCollection<String> alertIds(TestPipeline p, TestStream<EnrichedTelemetry> stream) {
    return p.apply(stream)
        .apply(DetectLowBattery.create())
        .apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId));
  }

  private static String id(Instant windowStart) {
    return "low_battery:v1:" + windowStart;
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, DetectLowBattery.class, name);
  }

  @Test
  void testOnTimeThresholdEdgeTwentyIsNotLowNineteenPointNineIs(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 20.0))
            .addElements(reading("r2", sec(30), 19.9))
            .advanceWatermarkToInfinity();
    PCollection<Alert> alerts = p.apply(input).apply(DetectLowBattery.create());
    PAssert.that(alerts.apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId)))
        .containsInAnyOrder(id(sec(0)));
    PAssert.that(alerts)
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getType(), is(AlertType.LOW_BATTERY));
              assertThat(alert.getSeverity(), is(AlertSeverity.WARNING));
              assertThat(alert.getVehicleId(), is("v1"));
              assertThat(alert.getEventTime(), is(sec(30)));
              assertThat(alert.getDetails().get("battery_pct"), is("19.9"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeRepeatedLowReadingsRaiseOneAlert(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 19.5))
            .addElements(reading("r2", sec(60), 19.0))
            .addElements(reading("r3", sec(200), 18.4))
            .addElements(reading("r4", sec(900), 15.0)) // still the same episode, 15 min later
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeRecoveryThenDropRaisesASecondAlert(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 12.0))
            .addElements(reading("r2", sec(400), 98.0)) // battery swap
            .addElements(reading("r3", sec(700), 19.0))
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)), id(sec(600)));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeFlappingWithinOneFiveMinuteWindowRaisesOneAlert(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(10), 19.9))
            .addElements(reading("r2", sec(40), 20.1))
            .addElements(reading("r3", sec(70), 19.9))
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "low_battery_episodes_in_alerted_window"), is(1L));
  }

  @Test
  void testOutOfOrderReadingsWithinTheLatenessRaiseOneAlert(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r2", sec(120), 19.0))
            .addElements(reading("r1", sec(60), 25.0)) // older and high: changes nothing
            .addElements(reading("r3", sec(180), 18.0))
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateLowReadingJoiningAnAlertedEpisodeRaisesNoSecondAlert(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r2", sec(320), 18.0))
            .advanceWatermarkTo(sec(330))
            .addElements(reading("r1", sec(250), 19.0)) // late: the episode really began here
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(300)));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateRecoverySplitsTheEpisodeAndTheSecondPartAlerts(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 15.0))
            .addElements(reading("r3", sec(620), 14.0))
            .advanceWatermarkTo(sec(630))
            .addElements(reading("r2", sec(400), 97.0)) // the swap, delivered late
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)), id(sec(600)));
    p.run().waitUntilFinish();
  }

  @Test
  void testDroppablyLateReadingIsCountedAndRaisesNothing(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 60.0))
            .addElements(reading("r2", sec(900), 59.0))
            .advanceWatermarkTo(sec(900)) // r1 is now 15 min behind: folded away
            .addElements(reading("r0", sec(30), 10.0)) // beyond the 5-minute lateness
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "low_battery_readings_beyond_lateness"), is(1L));
  }

  @Test
  void testDuplicatedReadingsRaiseNothingNew(TestPipeline p) {
    TimestampedValue<EnrichedTelemetry> low = reading("r1", sec(0), 19.0);
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(low)
            .addElements(low)
            .advanceWatermarkTo(sec(200))
            .addElements(low)
            .advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input)).containsInAnyOrder(id(sec(0)));
    p.run().waitUntilFinish();
  }

  @Test
  void testStateIsClearedWhenTheVehicleRecoversAndGoesQuiet(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(reading("r1", sec(0), 10.0))
            .addElements(reading("r2", sec(60), 90.0))
            .advanceWatermarkTo(sec(7200)) // folded, then idle for an hour
            .addElements(reading("r3", sec(7300), 9.0)) // a fresh start: alerts again
            .advanceWatermarkToInfinity();
    PCollection<Alert> alerts = p.apply(input).apply(DetectLowBattery.create());
    PAssert.that(alerts.apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId)))
        .containsInAnyOrder(id(sec(0)), id(sec(7200)));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    // The second life ends in an open episode, which is kept (it must not alert again).
    assertThat(counter(result, "low_battery_vehicles_with_state"), is(1L));
    assertThat(counter(result, "low_battery_alerts_raised"), is(2L));
  }

  @Test
  void testOnTimeAlertCarriesVehicleTypeZoneCityAndLastServiceDate(TestPipeline p) {
    EnrichedTelemetry enriched =
        Events.bare(InventoryInput.telemetry("v1", "r1", sec(0), 52.52, 12.5, OperationalStatus.OPERATIONAL))
            .toBuilder()
            .setVehicle(EnrichmentInput.scooter("v1", "ber-1"))
            .setZone(EnrichTelemetryTest.ALEX)
            .setHomeCity("Berlin")
            .build();
    TestStream<EnrichedTelemetry> input =
        stream(p).addElements(TimestampedValue.of(enriched, sec(0))).advanceWatermarkToInfinity();
    PAssert.that(p.apply(input).apply(DetectLowBattery.create()))
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getLocationId(), is("ber-1"));
              assertThat(alert.getDetails().get("vehicle_type"), is("e_scooter"));
              assertThat(alert.getDetails().get("model"), is("Niu KQi3 Pro"));
              assertThat(alert.getDetails().get("last_service_date"), is("2026-10-01"));
              assertThat(alert.getDetails().get("location_name"), is("Alexanderplatz"));
              assertThat(alert.getDetails().get("city"), is("Berlin"));
              assertThat(alert.getSeverity(), is(AlertSeverity.WARNING));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeAlertOfVehicleMissingFromReferenceDataSaysUnknown(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p).addElements(reading("r1", sec(0), 9.0)).advanceWatermarkToInfinity();
    PAssert.that(p.apply(input).apply(DetectLowBattery.create()))
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getLocationId(), is((String) null));
              assertThat(alert.getSeverity(), is(AlertSeverity.CRITICAL));
              assertThat(alert.getDetails().get("vehicle_type"), is("unknown"));
              assertThat(alert.getDetails().get("last_service_date"), is("unknown"));
              assertThat(alert.getDetails().get("city"), is("unknown"));
              assertThat(alert.getDetails().get("location_id"), is("none"));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
