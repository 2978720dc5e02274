package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventJsonTest {
  private static final Instant NOW = Instant.parse("2026-11-25T09:00:00Z");
  private static final Duration SKEW = Duration.standardMinutes(5);

  /** The README's telemetry example, verbatim. */
  static final String TELEMETRY =
      "{\"event_id\":\"7d1c1f9e-2b7a-4c0e-9a51-0c9b1d2f3e4a\",\"vehicle_id\":\"SCO-0042\","
          + "\"event_time\":\"2026-11-25T08:15:30.120Z\",\"lat\":52.520008,\"lon\":13.404954,"
          + "\"battery_pct\":18.5,\"operational_status\":\"operational\",\"speed_kmh\":14.2,"
          + "\"heading_deg\":87.0,\"odometer_km\":1532.4,\"gps_accuracy_m\":4.5,"
          + "\"estimated_range_m\":7400.0,\"locked\":false}";

  /** The README's booking example, verbatim. */
  static final String BOOKING =
      "{\"event_id\":\"0b6f4a8e-94d2-4f0e-8f5e-2d7c9e1a6b3c\",\"event_type\":\"return_completed\","
          + "\"booking_id\":\"BKG-000913\",\"vehicle_id\":\"SCO-0042\","
          + "\"location_id\":\"berlin-alexanderplatz\",\"event_time\":\"2026-11-25T08:41:02Z\","
          + "\"booking_start\":\"2026-11-25T08:02:11Z\",\"booking_end\":\"2026-11-25T08:41:02Z\"}";

  private static DeadLetterReason telemetryReason(String payload) {
    return assertThrows(
            InvalidEventException.class, () -> EventJson.decodeTelemetry(payload, NOW, SKEW))
        .reason();
  }

  @Test
  void testDecodesEveryTelemetryField() {
    TelemetryEvent e = EventJson.decodeTelemetry(TELEMETRY, NOW, SKEW);
    assertThat(e.getVehicleId(), is("SCO-0042"));
    assertThat(e.getEventTime(), is(Instant.parse("2026-11-25T08:15:30.120Z")));
    assertThat(e.getBatteryPct(), is(18.5));
    assertThat(e.getOperationalStatus(), is(OperationalStatus.OPERATIONAL));
    assertThat(e.getSpeedKmh(), is(14.2));
    assertThat(e.getOdometerKm(), is(1532.4));
    assertThat(e.getLocked(), is(false));
  }

  @Test
  void testTelemetryRoundTripsThroughTheWireFormat() {
    TelemetryEvent e = EventJson.decodeTelemetry(TELEMETRY, NOW, SKEW);
    assertThat(EventJson.decodeTelemetry(EventJson.telemetryToJson(e), NOW, SKEW), is(e));
    TelemetryEvent sparse = e.toBuilder().setOdometerKm(null).setLocked(null).build();
    String json = EventJson.telemetryToJson(sparse);
    assertThat("absent optional fields are omitted", json.contains("odometer_km"), is(false));
    assertThat(EventJson.decodeTelemetry(json, NOW, SKEW), is(sparse));
  }

  @Test
  void testBookingRoundTripsAndKeepsOpenEnd() {
    BookingEvent returned = EventJson.decodeBooking(BOOKING, NOW, SKEW);
    assertThat(returned.getEventType(), is(BookingEventType.RETURN_COMPLETED));
    assertThat(returned.getBookingEnd(), is(Instant.parse("2026-11-25T08:41:02Z")));
    BookingEvent open =
        returned.toBuilder().setEventType(BookingEventType.RENTAL_STARTED).setBookingEnd(null).build();
    assertThat(EventJson.decodeBooking(EventJson.bookingToJson(open), NOW, SKEW), is(open));
    assertThat(EventJson.bookingToJson(open), containsString("\"event_type\":\"rental_started\""));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v|MALFORMED_JSON",
        "[1,2,3]|MALFORMED_JSON",
        "\"just a string\"|MALFORMED_JSON",
        "{\"event_id\":\"e1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":50,\"operational_status\":\"operational\"}|MISSING_FIELD",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"operational_status\":\"operational\"}|MISSING_FIELD",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":140,\"operational_status\":\"operational\"}|INVALID_VALUE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":-3,\"operational_status\":\"operational\"}|INVALID_VALUE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":91,\"lon\":1,\"battery_pct\":50,\"operational_status\":\"operational\"}|INVALID_VALUE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":\"full\",\"operational_status\":\"operational\"}|INVALID_VALUE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"yesterday\",\"lat\":1,\"lon\":1,\"battery_pct\":50,\"operational_status\":\"operational\"}|INVALID_VALUE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-25T08:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":50,\"operational_status\":\"flying\"}|UNKNOWN_EVENT_TYPE",
        "{\"event_id\":\"e1\",\"vehicle_id\":\"v1\",\"event_time\":\"2026-11-27T09:00:00Z\",\"lat\":1,\"lon\":1,\"battery_pct\":50,\"operational_status\":\"operational\"}|FUTURE_TIMESTAMP",
      })
  void testInvalidTelemetryIsRejectedWithItsReason(String payload, DeadLetterReason expected) {
    assertThat(telemetryReason(payload), is(expected));
  }

  @Test
  void testEmptyAndNullPayloadsAreMalformed() {
    assertThat(telemetryReason(""), is(DeadLetterReason.MALFORMED_JSON));
    assertThat(telemetryReason(null), is(DeadLetterReason.MALFORMED_JSON));
  }

  @Test
  void testBatteryBoundsAreInclusiveAndClockSkewIsTolerated() {
    String atBounds = TELEMETRY.replace("18.5", "100").replace("08:15:30.120Z", "09:04:59Z");
    assertThat(EventJson.decodeTelemetry(atBounds, NOW, SKEW).getBatteryPct(), is(100.0));
    assertThat(
        EventJson.decodeTelemetry(TELEMETRY.replace("18.5", "0"), NOW, SKEW).getBatteryPct(),
        is(0.0));
    assertThat(
        telemetryReason(TELEMETRY.replace("08:15:30.120Z", "09:05:01Z")),
        is(DeadLetterReason.FUTURE_TIMESTAMP));
  }

  @Test
  void testFutureTimestampDetailIsTheSameWhicheverClockRejectsIt() {
    // A replay rejects the record again later: its dead letter must be an identical copy (the
    // clock reading goes into rejected_at, not into the detail).
    String future = TELEMETRY.replace("2026-11-25T08:15:30.120Z", "2026-11-28T08:00:00Z");
    String first = assertThrows(InvalidEventException.class,
        () -> EventJson.decodeTelemetry(future, NOW, SKEW)).getMessage();
    String later = assertThrows(InvalidEventException.class,
        () -> EventJson.decodeTelemetry(future, NOW.plus(Duration.standardMinutes(7)), SKEW))
        .getMessage();
    assertThat(later, is(first));
  }

  @Test
  void testInvalidBookingsAreRejectedWithTheirReason() {
    assertThat(
        assertThrows(
                InvalidEventException.class,
                () -> EventJson.decodeBooking(BOOKING.replace("return_completed", "booking_teleported"), NOW, SKEW))
            .reason(),
        is(DeadLetterReason.UNKNOWN_EVENT_TYPE));
    assertThat(
        assertThrows(
                InvalidEventException.class,
                () -> EventJson.decodeBooking(BOOKING.replace("\"booking_id\":\"BKG-000913\",", ""), NOW, SKEW))
            .reason(),
        is(DeadLetterReason.MISSING_FIELD));
    assertThat(
        assertThrows(
                InvalidEventException.class,
                () -> EventJson.decodeBooking(BOOKING.replace("\"booking_end\":\"2026-11-25T08:41:02Z\"", "\"booking_end\":\"2026-11-25T07:00:00Z\""), NOW, SKEW))
            .reason(),
        is(DeadLetterReason.INVALID_VALUE));
  }

  @Test
  void testPeekEventTimeReadsOnlyTheTopLevelField() {
    assertThat(EventJson.peekEventTime(TELEMETRY), is(Instant.parse("2026-11-25T08:15:30.120Z")));
    assertThat(
        EventJson.peekEventTime("{\"nested\":{\"event_time\":\"2026-01-01T00:00:00Z\"},\"event_time\":\"2026-11-25T08:00:00Z\"}"),
        is(Instant.parse("2026-11-25T08:00:00Z")));
    assertThat(EventJson.peekEventTime("{\"event_time\":\"garbage\"}"), is(nullValue()));
    assertThat(EventJson.peekEventTime("{\"event_id\":\"x\""), is(nullValue()));
    assertThat(EventJson.peekEventTime("not json"), is(nullValue()));
  }
}
