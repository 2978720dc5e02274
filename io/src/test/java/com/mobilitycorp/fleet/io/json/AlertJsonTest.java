package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import java.util.LinkedHashMap;
import java.util.Map;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code alerts} wire format: {@link EventJson#alertToJson}. */
class AlertJsonTest {
  private static final ObjectMapper TREE = new ObjectMapper();

  /** A vehicle alert: no location known. */
  static final Alert LOW_BATTERY =
      Alert.builder()
          .setAlertId("low_battery:SCO-0042:2026-11-25T08:15:00Z")
          .setType(AlertType.LOW_BATTERY)
          .setSeverity(AlertSeverity.WARNING)
          .setVehicleId("SCO-0042")
          .setLocationId(null)
          .setEventTime(Instant.parse("2026-11-25T08:15:30.120Z"))
          .setDetectedAt(Instant.parse("2026-11-25T08:15:31.004Z"))
          .setDetails(Map.of("vehicle_type", "e_scooter", "battery_pct", "14.5"))
          .build();

  /** The wire form of {@link #LOW_BATTERY}, verbatim: null location, details sorted by key. */
  static final String LOW_BATTERY_JSON =
      "{\"alert_id\":\"low_battery:SCO-0042:2026-11-25T08:15:00Z\",\"type\":\"low_battery\","
          + "\"severity\":\"warning\",\"vehicle_id\":\"SCO-0042\",\"location_id\":null,"
          + "\"event_time\":\"2026-11-25T08:15:30.120Z\",\"detected_at\":\"2026-11-25T08:15:31.004Z\","
          + "\"details\":{\"battery_pct\":\"14.5\",\"vehicle_type\":\"e_scooter\"}}";

  /** A location alert: no vehicle. */
  static final Alert DEMAND_SPIKE =
      Alert.builder()
          .setAlertId("demand_spike:loc-ber-01:2026-11-25T08:00:00Z")
          .setType(AlertType.DEMAND_SPIKE)
          .setSeverity(AlertSeverity.INFO)
          .setVehicleId(null)
          .setLocationId("loc-ber-01")
          .setEventTime(Instant.parse("2026-11-25T08:15:00Z"))
          .setDetectedAt(Instant.parse("2026-11-25T08:15:02Z"))
          .setDetails(Map.of())
          .build();

  private static DeadLetterReason rejection(String payload) {
    return assertThrows(InvalidEventException.class, () -> EventJson.decodeAlert(payload)).reason();
  }

  /** {@link #LOW_BATTERY_JSON} with one field replaced by a raw JSON value. */
  private static String withField(String field, String rawJson) throws Exception {
    ObjectNode node = (ObjectNode) TREE.readTree(LOW_BATTERY_JSON);
    node.set(field, TREE.readTree(rawJson));
    return TREE.writeValueAsString(node);
  }

  @Test
  void testAlertEncodesToTheDocumentedJsonAndRoundTrips() {
    assertThat(EventJson.alertToJson(LOW_BATTERY), is(LOW_BATTERY_JSON));
    assertThat(EventJson.decodeAlert(LOW_BATTERY_JSON), is(LOW_BATTERY));
  }

  @Test
  void testLocationAlertWritesNullVehicleAndEmptyDetailsAndRoundTrips() {
    String json = EventJson.alertToJson(DEMAND_SPIKE);
    assertThat(
        json,
        is(
            "{\"alert_id\":\"demand_spike:loc-ber-01:2026-11-25T08:00:00Z\",\"type\":\"demand_spike\","
                + "\"severity\":\"info\",\"vehicle_id\":null,\"location_id\":\"loc-ber-01\","
                + "\"event_time\":\"2026-11-25T08:15:00Z\",\"detected_at\":\"2026-11-25T08:15:02Z\","
                + "\"details\":{}}"));
    assertThat(EventJson.decodeAlert(json), is(DEMAND_SPIKE));
  }

  @Test
  void testDetailsAreWrittenWithSortedKeysWhateverTheInsertionOrder() {
    Map<String, String> unsorted = new LinkedHashMap<>();
    unsorted.put("window_start", "2026-11-25T08:00:00Z");
    unsorted.put("bookings", "42");
    unsorted.put("average", "7.5");
    String json = EventJson.alertToJson(DEMAND_SPIKE.toBuilder().setDetails(unsorted).build());
    assertThat(
        json.substring(json.indexOf("\"details\"")),
        is(
            "\"details\":{\"average\":\"7.5\",\"bookings\":\"42\","
                + "\"window_start\":\"2026-11-25T08:00:00Z\"}}"));
  }

  @ParameterizedTest
  @EnumSource(AlertType.class)
  void testEveryTypeAndSeverityRoundTripsInLowerCase(AlertType type) {
    for (AlertSeverity severity : AlertSeverity.values()) {
      Alert alert = LOW_BATTERY.toBuilder().setType(type).setSeverity(severity).build();
      String json = EventJson.alertToJson(alert);
      assertThat(json.contains("\"type\":\"" + EventJson.wire(type) + "\""), is(true));
      assertThat(json.contains("\"severity\":\"" + EventJson.wire(severity) + "\""), is(true));
      assertThat(EventJson.decodeAlert(json), is(alert));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"alert_id", "type", "severity", "event_time", "detected_at", "details"})
  void testRequiredFieldsMustBePresent(String field) throws Exception {
    ObjectNode absent = (ObjectNode) TREE.readTree(LOW_BATTERY_JSON);
    absent.remove(field);
    assertThat(rejection(TREE.writeValueAsString(absent)), is(DeadLetterReason.MISSING_FIELD));
    assertThat(rejection(withField(field, "null")), is(DeadLetterReason.MISSING_FIELD));
  }

  @Test
  void testVehicleAndLocationMayBeAbsent() throws Exception {
    ObjectNode sparse = (ObjectNode) TREE.readTree(LOW_BATTERY_JSON);
    sparse.remove("vehicle_id");
    sparse.remove("location_id");
    assertThat(
        EventJson.decodeAlert(TREE.writeValueAsString(sparse)),
        is(LOW_BATTERY.toBuilder().setVehicleId(null).build()));
  }

  @ParameterizedTest(name = "{0} = {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "type|\"flat_tyre\"|UNKNOWN_EVENT_TYPE",
        "severity|\"urgent\"|UNKNOWN_EVENT_TYPE",
        "event_time|\"yesterday\"|INVALID_VALUE",
        "detected_at|1764058531004|INVALID_VALUE",
        "vehicle_id|\" \"|INVALID_VALUE",
        "details|\"battery_pct=14.5\"|INVALID_VALUE",
        "details|[\"battery_pct\"]|INVALID_VALUE",
        "details|{\"battery_pct\":14.5}|INVALID_VALUE",
        "details|{\"battery_pct\":null}|INVALID_VALUE",
        "details|{\"battery\":{\"pct\":\"14.5\"}}|INVALID_VALUE",
      })
  void testInvalidAlertsAreRejectedWithTheirReason(
      String field, String rawJson, DeadLetterReason expected) throws Exception {
    assertThat(rejection(withField(field, rawJson)), is(expected));
  }

  @Test
  void testBrokenPayloadsAreMalformed() {
    assertThat(rejection(LOW_BATTERY_JSON.substring(0, 30)), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection("\"an alert\""), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection(" "), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection(null), is(DeadLetterReason.MALFORMED_JSON));
  }
}
