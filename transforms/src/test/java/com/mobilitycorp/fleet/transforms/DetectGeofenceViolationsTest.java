package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link DetectGeofenceViolations}, named as in Beam's LeaderBoardTest. The
 * readings carry the enrichment's metres inside the operating area directly (negative outside).
 */
@ExtendWith(TestPipelineExtension.class)
class DetectGeofenceViolationsTest {

  private static Instant sec(long seconds) {
    return T0.plus(Duration.standardSeconds(seconds));
  }

  private static TimestampedValue<EnrichedTelemetry> at(long seconds, @Nullable Double metresInside) {
    EnrichedTelemetry reading =
        EnrichedTelemetry.builder()
            .setTelemetry(
                InventoryInput.telemetry("v1", "r" + seconds, sec(seconds), 52.6, 70, OperationalStatus.OPERATIONAL))
            .setVehicle(EnrichmentInput.scooter("v1", "ber-1"))
            .setHomeCity(metresInside == null ? null : "Berlin")
            .setMetresInsideOperatingArea(metresInside)
            .build();
    return TimestampedValue.of(reading, sec(seconds));
  }

  private static TestStream.Builder<EnrichedTelemetry> stream(TestPipeline p) {
    return TestStream.create(Events.enrichedCoder(p)).advanceWatermarkTo(T0);
  }

  private static PCollection<String> ids(PCollection<Alert> alerts) {
    return alerts.apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId));
  }

  private static String id(long windowStartSeconds) {
    return DetectGeofenceViolations.alertId("v1", sec(windowStartSeconds));
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, DetectGeofenceViolations.class, name);
  }

  @Test
  void testOnTimeExcursionRaisesOneAlertAtItsFirstReadingOutside(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(0, 800.0))
            .addElements(at(10, 0.0)) // on the edge: still inside
            .addElements(at(20, -300.0))
            .addElements(at(30, -900.0), at(400, -2_500.0))
            .addElements(at(700, 600.0))
            .advanceWatermarkToInfinity();
    PCollection<Alert> alerts = p.apply(input).apply(DetectGeofenceViolations.create());
    PAssert.that(ids(alerts)).containsInAnyOrder(id(0));
    PAssert.that(alerts)
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getType(), is(AlertType.GEOFENCE_VIOLATION));
              assertThat(alert.getSeverity(), is(AlertSeverity.WARNING));
              assertThat(alert.getEventTime(), is(sec(20)));
              assertThat(alert.getDetails().get("metres_outside"), is("300"));
              assertThat(alert.getDetails().get("city"), is("Berlin"));
              assertThat(alert.getDetails().get("vehicle_type"), is("e_scooter"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeReentryWithinTheMarginDoesNotEndTheExcursion(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(0, -50.0))
            .addElements(at(400, 60.0)) // 60 m inside: GPS noise on the edge, not a return
            .addElements(at(700, -40.0))
            .advanceWatermarkToInfinity();
    PAssert.that(ids(p.apply(input).apply(DetectGeofenceViolations.create()))).containsInAnyOrder(id(0));
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeSecondExcursionAfterAReturnAlertsAgain(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(0, -500.0))
            .addElements(at(200, 150.0))
            .addElements(at(400, -7_000.0))
            .advanceWatermarkToInfinity();
    PCollection<Alert> alerts = p.apply(input).apply(DetectGeofenceViolations.create());
    PAssert.that(ids(alerts)).containsInAnyOrder(id(0), id(300));
    PAssert.that(alerts.apply("Severities", MapElements.into(TypeDescriptors.strings()).via(a -> a.getSeverity().name())))
        .containsInAnyOrder("WARNING", "CRITICAL");
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateEarlierReadingOutsideJoinsTheAlertedExcursion(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(310, -400.0)) // alerts first, in the 5-minute window at 300 s
            .addElements(at(290, -200.0)) // then the excursion's true start arrives: no second alert
            .addElements(at(280, -100.0), at(320, -450.0))
            .advanceWatermarkToInfinity();
    PAssert.that(ids(p.apply(input).apply(DetectGeofenceViolations.create()))).containsInAnyOrder(id(300));
    p.run().waitUntilFinish();
  }

  @Test
  void testDroppablyLateReadingOutsideIsCountedAndRaisesNothing(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(600, 500.0))
            .advanceWatermarkTo(sec(1_000))
            .addElements(at(10, -900.0)) // more than 5 minutes behind the vehicle's newest reading
            .advanceWatermarkToInfinity();
    PAssert.that(ids(p.apply(input).apply(DetectGeofenceViolations.create()))).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "geofence_violation_readings_beyond_lateness"), is(1L));
  }

  @Test
  void testOnTimeReadingOfUnknownHomeCityIsCountedNotJudged(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p).addElements(at(0, null), at(10, null)).advanceWatermarkToInfinity();
    PAssert.that(ids(p.apply(input).apply(DetectGeofenceViolations.create()))).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "geofence_violation_readings_unjudged"), is(2L));
  }

  @Test
  void testStateIsClearedOnceTheVehicleIsBackAndIdle(TestPipeline p) {
    TestStream<EnrichedTelemetry> input =
        stream(p)
            .addElements(at(0, -500.0), at(60, 900.0))
            .advanceWatermarkToInfinity();
    p.apply(input).apply(DetectGeofenceViolations.create());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "geofence_violation_alerts_raised"), is(1L));
    assertThat("no state left", counter(result, "geofence_violation_vehicles_with_state"), is(0L));
  }
}
