package com.mobilitycorp.fleet.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.testing.CoderProperties;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Every model class has a Beam schema with all its fields (AutoValueSchema only sees getX()
 * getters, so a wrongly named getter silently vanishes), and its schema coder round-trips values,
 * including absent optional fields.
 */
class EventSchemasTest {
  private final SchemaRegistry registry = SchemaRegistry.createDefault();
  private static final Instant T = Instant.parse("2026-11-25T08:00:00.123Z");

  private static List<String> fieldNames(Schema schema) {
    return schema.getFields().stream().map(Schema.Field::getName).collect(Collectors.toList());
  }

  @Test
  void testTelemetrySchemaHasEveryFieldAndRoundTrips() throws Exception {
    Schema schema = registry.getSchema(TelemetryEvent.class);
    assertThat(
        fieldNames(schema),
        containsInAnyOrder(
            "eventId", "vehicleId", "eventTime", "lat", "lon", "batteryPct", "operationalStatus",
            "speedKmh", "headingDeg", "odometerKm", "gpsAccuracyM", "estimatedRangeM", "locked"));
    assertThat(schema.getField("speedKmh").getType().getNullable(), is(true));
    assertThat(schema.getField("batteryPct").getType().getNullable(), is(false));

    Coder<TelemetryEvent> coder = registry.getSchemaCoder(TelemetryEvent.class);
    TelemetryEvent full =
        TelemetryEvent.builder()
            .setEventId("e1").setVehicleId("v1").setEventTime(T).setLat(52.5).setLon(13.4)
            .setBatteryPct(55.5).setOperationalStatus(OperationalStatus.MAINTENANCE)
            .setSpeedKmh(12.0).setHeadingDeg(90.0).setOdometerKm(1234.5).setGpsAccuracyM(4.0)
            .setEstimatedRangeM(20000.0).setLocked(true)
            .build();
    TelemetryEvent sparse =
        full.toBuilder().setSpeedKmh(null).setOdometerKm(null).setLocked(null).build();
    CoderProperties.coderDecodeEncodeEqual(coder, full);
    CoderProperties.coderDecodeEncodeEqual(coder, sparse);
  }

  @Test
  void testBookingSchemaHasEveryFieldAndRoundTrips() throws Exception {
    assertThat(
        fieldNames(registry.getSchema(BookingEvent.class)),
        containsInAnyOrder(
            "eventId", "eventType", "bookingId", "vehicleId", "locationId", "eventTime",
            "bookingStart", "bookingEnd"));
    Coder<BookingEvent> coder = registry.getSchemaCoder(BookingEvent.class);
    BookingEvent open =
        BookingEvent.builder()
            .setEventId("b-e1").setEventType(BookingEventType.RENTAL_STARTED).setBookingId("b1")
            .setVehicleId("v1").setLocationId("berlin-mitte").setEventTime(T).setBookingStart(T)
            .build();
    CoderProperties.coderDecodeEncodeEqual(coder, open);
    CoderProperties.coderDecodeEncodeEqual(
        coder,
        open.toBuilder().setEventType(BookingEventType.RETURN_COMPLETED).setBookingEnd(T).build());
  }

  @Test
  void testInventoryUpdateSchemaHasEveryFieldAndRoundTrips() throws Exception {
    assertThat(
        fieldNames(registry.getSchema(InventoryUpdate.class)),
        containsInAnyOrder(
            "vehicleId", "status", "bookingId", "locationId", "lat", "lon", "batteryPct",
            "estimatedRangeM", "operationalStatus", "lastReported", "asOf", "revision", "reason"));
    Coder<InventoryUpdate> coder = registry.getSchemaCoder(InventoryUpdate.class);
    InventoryUpdate bookingOnly =
        InventoryUpdate.builder()
            .setVehicleId("v1").setStatus(VehicleStatus.RESERVED).setBookingId("b1")
            .setLocationId("berlin-mitte").setAsOf(T).setRevision(1)
            .setReason(InventoryUpdateReason.STATUS_CHANGE)
            .build();
    CoderProperties.coderDecodeEncodeEqual(coder, bookingOnly);
    CoderProperties.coderDecodeEncodeEqual(
        coder,
        bookingOnly.toBuilder().setLat(52.5).setLon(13.4).setBatteryPct(40.0)
            .setEstimatedRangeM(12000.0).setOperationalStatus(OperationalStatus.OPERATIONAL)
            .setLastReported(T).setRevision(2).setReason(InventoryUpdateReason.POSITION_REFRESH)
            .build());
  }

  @Test
  void testWeatherAndAlertSchemasHaveEveryFieldAndRoundTrip() throws Exception {
    assertThat(
        fieldNames(registry.getSchema(WeatherObservation.class)),
        containsInAnyOrder(
            "observationId", "locationId", "observedAt", "temperatureC", "precipitationMmH",
            "windSpeedKmh", "condition"));
    CoderProperties.coderDecodeEncodeEqual(
        registry.getSchemaCoder(WeatherObservation.class),
        WeatherObservation.create("w1", "berlin-mitte", T, -2.5, 1.2, 18.0, WeatherCondition.SNOW));
    assertThat(
        fieldNames(registry.getSchema(Alert.class)),
        containsInAnyOrder(
            "alertId", "type", "severity", "vehicleId", "locationId", "eventTime", "detectedAt",
            "details"));
    Alert alert =
        Alert.builder()
            .setAlertId("low_battery:v1:1").setType(AlertType.LOW_BATTERY)
            .setSeverity(AlertSeverity.WARNING).setVehicleId("v1").setLocationId(null)
            .setEventTime(T).setDetectedAt(T).setDetails(java.util.Map.of("battery_pct", "19.9"))
            .build();
    CoderProperties.coderDecodeEncodeEqual(registry.getSchemaCoder(Alert.class), alert);
  }

  @Test
  void testReferenceDataAndDeadLetterSchemasRoundTrip() throws Exception {
    assertThat(registry.getSchema(VehicleMetadata.class).getFieldCount(), is(5));
    assertThat(registry.getSchema(LocationMetadata.class).getFieldCount(), is(6));
    assertThat(registry.getSchema(DeadLetter.class).getFieldCount(), is(7));
    CoderProperties.coderDecodeEncodeEqual(
        registry.getSchemaCoder(VehicleMetadata.class),
        VehicleMetadata.create("v1", VehicleType.E_BIKE, "Cowboy 4", "berlin-mitte", T));
    CoderProperties.coderDecodeEncodeEqual(
        registry.getSchemaCoder(LocationMetadata.class),
        LocationMetadata.create("berlin-mitte", "Mitte", "Berlin", 52.52, 13.405, 300));
    CoderProperties.coderDecodeEncodeEqual(
        registry.getSchemaCoder(DeadLetter.class),
        DeadLetter.create("veh.events.raw", 3, 42L, "{", DeadLetterReason.MALFORMED_JSON, "eof", T));
  }
}
