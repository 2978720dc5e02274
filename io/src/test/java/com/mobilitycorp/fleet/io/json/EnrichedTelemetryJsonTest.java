package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The wire form of {@code veh.telemetry.enriched}: everything known, and unknowns said. */
class EnrichedTelemetryJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-11-25T08:00:01.250Z");
  private static final TelemetryEvent READING =
      TelemetryEvent.builder()
          .setEventId("e1")
          .setVehicleId("v1")
          .setEventTime(AT)
          .setLat(52.52)
          .setLon(13.405)
          .setBatteryPct(18.5)
          .setOperationalStatus(OperationalStatus.OPERATIONAL)
          .build();

  @Test
  void fullyEnrichedReadingCarriesVehicleZoneAreaAndWeather() throws Exception {
    EnrichedTelemetry e =
        EnrichedTelemetry.builder()
            .setTelemetry(READING)
            .setVehicle(VehicleMetadata.create("v1", VehicleType.E_BIKE, "Cowboy 4", "ber-1",
                Instant.parse("2026-10-01T00:00:00Z")))
            .setZone(LocationMetadata.create("ber-1", "Alexanderplatz", "Berlin", 52.52, 13.405, 300))
            .setHomeCity("Berlin")
            .setMetresInsideOperatingArea(1299.6)
            .setWeatherLocationId("ber-1")
            .setWeather(WeatherObservation.create("w1", "ber-1", AT.minus(60_000), 3.5, 0.4, 11, WeatherCondition.RAIN))
            .build();
    JsonNode json = JSON.readTree(EventJson.enrichedTelemetryToJson(e));
    assertThat(json.at("/telemetry/event_time").asText(), is("2026-11-25T08:00:01.250Z"));
    assertThat(json.at("/telemetry/battery_pct").asDouble(), is(18.5));
    assertThat(json.at("/vehicle/vehicle_type").asText(), is("e_bike"));
    assertThat(json.at("/vehicle/last_service_date").asText(), is("2026-10-01"));
    assertThat(json.at("/zone/name").asText(), is("Alexanderplatz"));
    assertThat(json.at("/home_city").asText(), is("Berlin"));
    assertThat(json.at("/metres_inside_operating_area").asDouble(), is(1300.0));
    assertThat(json.at("/weather/condition").asText(), is("rain"));
    assertThat(json.at("/weather/observed_at").asText(), is("2026-11-25T07:59:01.250Z"));
    assertThat(json.at("/unknowns").size(), is(0));
  }

  @Test
  void missingReferenceDataIsWrittenAsNullAndNamedInUnknowns() throws Exception {
    EnrichedTelemetry e = EnrichedTelemetry.builder().setTelemetry(READING).build();
    JsonNode json = JSON.readTree(EventJson.enrichedTelemetryToJson(e));
    assertThat(json.has("vehicle") && json.get("vehicle").isNull(), is(true));
    assertThat(json.has("zone") && json.get("zone").isNull(), is(true));
    assertThat(json.has("weather") && json.get("weather").isNull(), is(true));
    assertThat(json.get("unknowns").toString(), is("[\"vehicle\",\"weather\"]"));
  }
}
