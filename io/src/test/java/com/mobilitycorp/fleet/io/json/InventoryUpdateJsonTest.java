package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.VehicleStatus;
import java.util.List;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@code veh.inventory.updates} wire format: {@link EventJson#inventoryUpdateToJson}. */
class InventoryUpdateJsonTest {
  private static final ObjectMapper TREE = new ObjectMapper();

  /** Every field set: a vehicle on a trip. */
  static final InventoryUpdate ON_TRIP =
      InventoryUpdate.builder()
          .setVehicleId("SCO-0042")
          .setStatus(VehicleStatus.ON_TRIP)
          .setBookingId("BKG-000913")
          .setLocationId("berlin-alexanderplatz")
          .setLat(52.520008)
          .setLon(13.404954)
          .setBatteryPct(18.5)
          .setEstimatedRangeM(7400.0)
          .setOperationalStatus(OperationalStatus.OPERATIONAL)
          .setLastReported(Instant.parse("2026-11-25T08:15:30.120Z"))
          .setAsOf(Instant.parse("2026-11-25T08:15:30.120Z"))
          .setRevision(7)
          .setReason(InventoryUpdateReason.POSITION_REFRESH)
          .build();

  /** The wire form of {@link #ON_TRIP}, verbatim (the README's example). */
  static final String ON_TRIP_JSON =
      "{\"vehicle_id\":\"SCO-0042\",\"status\":\"on_trip\",\"is_reserved\":true,"
          + "\"is_disabled\":false,\"booking_id\":\"BKG-000913\","
          + "\"location_id\":\"berlin-alexanderplatz\",\"lat\":52.520008,\"lon\":13.404954,"
          + "\"battery_pct\":18.5,\"current_fuel_percent\":0.185,\"current_range_meters\":7400.0,"
          + "\"operational_status\":\"operational\",\"last_reported\":\"2026-11-25T08:15:30.120Z\","
          + "\"as_of\":\"2026-11-25T08:15:30.120Z\",\"revision\":7,\"reason\":\"position_refresh\"}";

  /** Nothing optional known: a vehicle booked before it ever reported. */
  static final InventoryUpdate NEVER_REPORTED =
      InventoryUpdate.builder()
          .setVehicleId("BIK-0007")
          .setStatus(VehicleStatus.AVAILABLE)
          .setAsOf(Instant.parse("2026-11-25T08:00:00Z"))
          .setRevision(0)
          .setReason(InventoryUpdateReason.STATUS_CHANGE)
          .build();

  private static DeadLetterReason rejection(String payload) {
    return assertThrows(
            InvalidEventException.class, () -> EventJson.decodeInventoryUpdate(payload))
        .reason();
  }

  @Test
  void testInventoryUpdateEncodesToTheDocumentedJsonAndRoundTrips() {
    assertThat(EventJson.inventoryUpdateToJson(ON_TRIP), is(ON_TRIP_JSON));
    assertThat(EventJson.decodeInventoryUpdate(ON_TRIP_JSON), is(ON_TRIP));
  }

  @Test
  void testAbsentValuesAreWrittenAsJsonNullAndRoundTrip() throws Exception {
    String json = EventJson.inventoryUpdateToJson(NEVER_REPORTED);
    JsonNode tree = TREE.readTree(json);
    for (String field :
        List.of(
            "booking_id", "location_id", "lat", "lon", "battery_pct", "current_fuel_percent",
            "current_range_meters", "operational_status", "last_reported")) {
      assertThat(field + " is present", tree.has(field), is(true));
      assertThat(field + " is JSON null", tree.get(field).isNull(), is(true));
    }
    assertThat(tree.size(), is(16));
    assertThat(EventJson.decodeInventoryUpdate(json), is(NEVER_REPORTED));
  }

  @ParameterizedTest
  @EnumSource(VehicleStatus.class)
  void testGbfsFlagsFollowTheMdsStatus(VehicleStatus status) throws Exception {
    InventoryUpdate update = ON_TRIP.toBuilder().setStatus(status).build();
    JsonNode tree = TREE.readTree(EventJson.inventoryUpdateToJson(update));
    assertThat(tree.get("status").asText(), is(status.name().toLowerCase()));
    assertThat(
        tree.get("is_reserved").asBoolean(),
        is(status == VehicleStatus.RESERVED || status == VehicleStatus.ON_TRIP));
    assertThat(tree.get("is_disabled").asBoolean(), is(status == VehicleStatus.NON_OPERATIONAL));
    assertThat(EventJson.decodeInventoryUpdate(tree.toString()), is(update));
  }

  @ParameterizedTest(name = "battery_pct {0} -> current_fuel_percent {1}")
  @CsvSource({"18.5, 0.185", "33.3, 0.333", "100.0, 1.0", "0.0, 0.0", "7.25, 0.0725"})
  void testCurrentFuelPercentIsBatteryPctOverHundredWithoutRoundingNoise(
      double batteryPct, String expectedOnTheWire) {
    String json = EventJson.inventoryUpdateToJson(ON_TRIP.toBuilder().setBatteryPct(batteryPct).build());
    assertThat(json, containsString("\"current_fuel_percent\":" + expectedOnTheWire + ","));
  }

  @Test
  void testDerivedFieldsMayBeAbsentOrSlightlyOffOnInput() {
    String withoutDerived =
        ON_TRIP_JSON
            .replace("\"is_reserved\":true,", "")
            .replace("\"is_disabled\":false,", "")
            .replace("\"current_fuel_percent\":0.185,", "");
    assertThat(EventJson.decodeInventoryUpdate(withoutDerived), is(ON_TRIP));
    // 18.5 / 100 computed another way, one bit away.
    String divided = ON_TRIP_JSON.replace("0.185", String.valueOf(Math.nextUp(0.185)));
    assertThat(EventJson.decodeInventoryUpdate(divided), is(ON_TRIP));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "truncated|{\"vehicle_id\":\"SCO-0042\",\"sta|MALFORMED_JSON",
        "array|[1,2]|MALFORMED_JSON",
        "no vehicle_id|\"vehicle_id\":\"SCO-0042\",=>|MISSING_FIELD",
        "no as_of|\"as_of\":\"2026-11-25T08:15:30.120Z\",=>|MISSING_FIELD",
        "no revision|,\"revision\":7=>|MISSING_FIELD",
        "unknown status|\"on_trip\"=>\"teleporting\"|UNKNOWN_EVENT_TYPE",
        "unknown reason|\"position_refresh\"=>\"whim\"|UNKNOWN_EVENT_TYPE",
        "is_reserved contradicts status|\"is_reserved\":true=>\"is_reserved\":false|INVALID_VALUE",
        "is_disabled contradicts status|\"is_disabled\":false=>\"is_disabled\":true|INVALID_VALUE",
        "fuel contradicts battery|\"current_fuel_percent\":0.185=>\"current_fuel_percent\":0.9|INVALID_VALUE",
        "battery out of range|\"battery_pct\":18.5=>\"battery_pct\":140|INVALID_VALUE",
        "lat without lon|\"lon\":13.404954=>\"lon\":null|INVALID_VALUE",
        "revision not an integer|\"revision\":7=>\"revision\":7.5|INVALID_VALUE",
        "negative revision|\"revision\":7=>\"revision\":-1|INVALID_VALUE",
        "as_of not ISO-8601|\"as_of\":\"2026-11-25T08:15:30.120Z\"=>\"as_of\":\"today\"|INVALID_VALUE",
      })
  void testInvalidInventoryUpdatesAreRejectedWithTheirReason(
      String description, String edit, DeadLetterReason expected) {
    String payload;
    if (edit.contains("=>")) {
      String[] fromTo = edit.split("=>", -1);
      assertThat("the edit applies", ON_TRIP_JSON.contains(fromTo[0]), is(true));
      payload = ON_TRIP_JSON.replace(fromTo[0], fromTo[1]);
    } else {
      payload = edit;
    }
    assertThat(rejection(payload), is(expected));
  }

  @Test
  void testEmptyAndNullPayloadsAreMalformed() {
    assertThat(rejection(""), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection(null), is(DeadLetterReason.MALFORMED_JSON));
  }
}
