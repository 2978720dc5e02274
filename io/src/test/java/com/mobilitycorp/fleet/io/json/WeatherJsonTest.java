package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code weather.observations} wire format: {@link EventJson#weatherToJson}. */
class WeatherJsonTest {
  private static final ObjectMapper TREE = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-25T09:00:00Z");
  private static final Duration SKEW = Duration.standardMinutes(5);

  static final WeatherObservation SLEET =
      WeatherObservation.create(
          "5b0e8c1a-6d2f-4e3b-9a7c-1f2e3d4c5b6a",
          "loc-ber-01",
          Instant.parse("2026-11-25T08:05:17Z"),
          0.8,
          1.2,
          18.5,
          WeatherCondition.SNOW);

  /** The wire form of {@link #SLEET}, verbatim. */
  static final String SLEET_JSON =
      "{\"observation_id\":\"5b0e8c1a-6d2f-4e3b-9a7c-1f2e3d4c5b6a\",\"location_id\":\"loc-ber-01\","
          + "\"observed_at\":\"2026-11-25T08:05:17Z\",\"temperature_c\":0.8,"
          + "\"precipitation_mm_h\":1.2,\"wind_speed_kmh\":18.5,\"condition\":\"snow\"}";

  private static DeadLetterReason rejection(String payload) {
    return assertThrows(
            InvalidEventException.class, () -> EventJson.decodeWeather(payload, NOW, SKEW))
        .reason();
  }

  /** {@link #SLEET_JSON} with one field replaced by a raw JSON value. */
  private static String withField(String field, String rawJson) throws Exception {
    ObjectNode node = (ObjectNode) TREE.readTree(SLEET_JSON);
    node.set(field, TREE.readTree(rawJson));
    return TREE.writeValueAsString(node);
  }

  @Test
  void testWeatherEncodesToTheDocumentedJsonAndRoundTrips() {
    assertThat(EventJson.weatherToJson(SLEET), is(SLEET_JSON));
    assertThat(EventJson.decodeWeather(SLEET_JSON, NOW, SKEW), is(SLEET));
  }

  @ParameterizedTest
  @EnumSource(WeatherCondition.class)
  void testEveryConditionRoundTripsInLowerCase(WeatherCondition condition) {
    WeatherObservation o =
        WeatherObservation.create(
            "w1",
            "loc-muc-03",
            Instant.parse("2026-11-25T08:10:00.250Z"),
            -3.5,
            0.0,
            0.0,
            condition);
    String json = EventJson.weatherToJson(o);
    assertThat(json.contains("\"condition\":\"" + EventJson.wire(condition) + "\""), is(true));
    assertThat(EventJson.decodeWeather(json, NOW, SKEW), is(o));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "observation_id",
        "location_id",
        "observed_at",
        "temperature_c",
        "precipitation_mm_h",
        "wind_speed_kmh",
        "condition"
      })
  void testEveryFieldIsRequired(String field) throws Exception {
    ObjectNode absent = (ObjectNode) TREE.readTree(SLEET_JSON);
    absent.remove(field);
    assertThat(rejection(TREE.writeValueAsString(absent)), is(DeadLetterReason.MISSING_FIELD));
    assertThat(rejection(withField(field, "null")), is(DeadLetterReason.MISSING_FIELD));
  }

  @ParameterizedTest(name = "{0} = {1} -> {2}")
  @CsvSource({
    "temperature_c, 60.1, INVALID_VALUE",
    "temperature_c, -60.1, INVALID_VALUE",
    "temperature_c, '\"mild\"', INVALID_VALUE",
    "precipitation_mm_h, -0.1, INVALID_VALUE",
    "precipitation_mm_h, 300.1, INVALID_VALUE",
    "wind_speed_kmh, -1, INVALID_VALUE",
    "wind_speed_kmh, 250.1, INVALID_VALUE",
    "observed_at, '\"25.11.2026 08:05\"', INVALID_VALUE",
    "location_id, '\"  \"', MISSING_FIELD",
    "condition, '\"hail\"', UNKNOWN_EVENT_TYPE",
    "observed_at, '\"2026-11-25T09:05:01Z\"', FUTURE_TIMESTAMP",
  })
  void testInvalidWeatherIsRejectedWithItsReason(
      String field, String rawJson, DeadLetterReason expected) throws Exception {
    assertThat(rejection(withField(field, rawJson)), is(expected));
  }

  @Test
  void testRangeBoundsAreInclusiveAndClockSkewIsTolerated() throws Exception {
    String extreme =
        withField("temperature_c", "-60")
            .replace("\"precipitation_mm_h\":1.2", "\"precipitation_mm_h\":300")
            .replace("\"wind_speed_kmh\":18.5", "\"wind_speed_kmh\":250")
            .replace("08:05:17Z", "09:05:00Z");
    WeatherObservation o = EventJson.decodeWeather(extreme, NOW, SKEW);
    assertThat(o.getTemperatureC(), is(-60.0));
    assertThat(o.getPrecipitationMmH(), is(300.0));
    assertThat(o.getWindSpeedKmh(), is(250.0));
    assertThat(o.getObservedAt(), is(NOW.plus(SKEW)));
    assertThat(
        EventJson.decodeWeather(withField("temperature_c", "60"), NOW, SKEW).getTemperatureC(),
        is(60.0));
  }

  @Test
  void testBrokenPayloadsAreMalformed() {
    assertThat(rejection(SLEET_JSON.substring(0, 40)), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection("[" + SLEET_JSON + "]"), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection(""), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(rejection(null), is(DeadLetterReason.MALFORMED_JSON));
  }

  @Test
  void testPeekObservedAtReadsTheWeatherTimeAndPeekEventTimeDoesNot() {
    assertThat(EventJson.peekObservedAt(SLEET_JSON), is(Instant.parse("2026-11-25T08:05:17Z")));
    assertThat(
        EventJson.peekTimestamp(SLEET_JSON, EventJson.OBSERVED_AT_FIELD),
        is(Instant.parse("2026-11-25T08:05:17Z")));
    // Telemetry and bookings keep their strict event_time: no fallback to observed_at.
    assertThat(EventJson.peekEventTime(SLEET_JSON), is(nullValue()));
    assertThat(EventJson.peekObservedAt(EventJsonTest.TELEMETRY), is(nullValue()));
    assertThat(EventJson.peekObservedAt("{\"observed_at\":42}"), is(nullValue()));
  }
}
