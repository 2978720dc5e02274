package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import java.util.Map;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The telemetry → LOW_BATTERY clock pairs each alert with its episode's first reading. */
class AlertLatenciesTest {
  private static final Instant T0 = Instant.parse("2026-12-02T08:00:00Z");

  @Test
  void anAlertIsTimedFromTheAckOfTheReadingItsEpisodeStartsAtNotOfALaterOne() {
    AlertLatencies clock = new AlertLatencies();
    clock.lowReadingSent("v1", T0).set(10_000);
    // A later low reading of the same episode; in the model's send order it raised the id.
    clock.lowReadingSent("v1", T0.plus(30_000)).set(40_000);
    clock.due("LOW_BATTERY:v1:window");
    clock.seen(alert("LOW_BATTERY:v1:window", AlertType.LOW_BATTERY, "v1", T0), 12_500);

    assertThat(clock.latencies(), containsInAnyOrder(2_500L));
    assertThat(clock.unseen(), equalTo(0));
    assertThat(clock.allDueSeen(), is(true));
  }

  @Test
  void alertsOfUnmeasuredReadingsOtherTypesAndRepeatsGiveNoSample() {
    AlertLatencies clock = new AlertLatencies();
    clock.lowReadingSent("v1", T0).set(10_000);
    // v2's reading was sent before the measured period: never registered.
    clock.seen(alert("LOW_BATTERY:v2:w", AlertType.LOW_BATTERY, "v2", T0), 11_000);
    clock.seen(alert("GEOFENCE_VIOLATION:v1:w", AlertType.GEOFENCE_VIOLATION, "v1", T0), 11_000);
    assertThat(clock.latencies(), empty());

    clock.seen(alert("LOW_BATTERY:v1:w", AlertType.LOW_BATTERY, "v1", T0), 11_000);
    clock.seen(alert("LOW_BATTERY:v1:w", AlertType.LOW_BATTERY, "v1", T0), 19_000); // a re-read
    assertThat(clock.latencies(), containsInAnyOrder(1_000L));
  }

  @Test
  void aReadingNotYetAcknowledgedGivesNoSampleAndADueAlertNeverSeenIsUnseen() {
    AlertLatencies clock = new AlertLatencies();
    clock.lowReadingSent("v1", T0); // the ack callback has not run
    clock.seen(alert("LOW_BATTERY:v1:w", AlertType.LOW_BATTERY, "v1", T0), 11_000);
    clock.due("LOW_BATTERY:v1:w");
    clock.due("LOW_BATTERY:v3:w");

    assertThat(clock.latencies(), empty());
    assertThat(clock.unseen(), equalTo(1));
    assertThat(clock.allDueSeen(), is(false));
  }

  private static Alert alert(String id, AlertType type, String vehicle, Instant firstReading) {
    return Alert.builder()
        .setAlertId(id)
        .setType(type)
        .setSeverity(AlertSeverity.WARNING)
        .setVehicleId(vehicle)
        .setLocationId(null)
        .setEventTime(firstReading)
        .setDetectedAt(firstReading)
        .setDetails(Map.of())
        .build();
  }
}
