package com.mobilitycorp.fleet.io.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.DemandWindow;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.LocationMetrics;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The JSON wire format of the fleet topics (documented in the README). Decoding validates every
 * field and throws {@link InvalidEventException} with the dead-letter reason; it never returns a
 * half-valid event. Unknown extra fields are ignored so producers can add fields first.
 */
public final class EventJson {
  /** The timestamp field of telemetry and booking events (and of alerts). */
  public static final String EVENT_TIME_FIELD = "event_time";
  /** The timestamp field of weather observations. */
  public static final String OBSERVED_AT_FIELD = "observed_at";

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private static final ObjectReader TELEMETRY_READER = MAPPER.readerFor(TelemetryJson.class);
  private static final ObjectReader BOOKING_READER = MAPPER.readerFor(BookingJson.class);
  private static final ObjectWriter TELEMETRY_WRITER = MAPPER.writerFor(TelemetryJson.class);
  private static final ObjectWriter BOOKING_WRITER = MAPPER.writerFor(BookingJson.class);
  private static final ObjectWriter DEAD_LETTER_WRITER = MAPPER.writerFor(DeadLetterJson.class);
  private static final ObjectReader INVENTORY_READER = MAPPER.readerFor(InventoryUpdateJson.class);
  private static final ObjectWriter INVENTORY_WRITER = MAPPER.writerFor(InventoryUpdateJson.class);
  private static final ObjectReader WEATHER_READER = MAPPER.readerFor(WeatherJson.class);
  private static final ObjectWriter WEATHER_WRITER = MAPPER.writerFor(WeatherJson.class);
  private static final ObjectWriter ENRICHED_WRITER = MAPPER.writerFor(EnrichedTelemetryJson.class);
  private static final ObjectReader ALERT_READER = MAPPER.readerFor(AlertJson.class);
  private static final ObjectWriter ALERT_WRITER = MAPPER.writerFor(AlertJson.class);
  private static final ObjectWriter LOCATION_METRICS_WRITER =
      MAPPER.writerFor(LocationMetricsJson.class);
  private static final ObjectReader DEMAND_WINDOW_READER = MAPPER.readerFor(DemandWindowJson.class);
  private static final ObjectWriter DEMAND_WINDOW_WRITER = MAPPER.writerFor(DemandWindowJson.class);

  /** Telemetry as on {@code veh.events.raw}; boxed fields so absence is visible. */
  record TelemetryJson(
      String eventId,
      String vehicleId,
      String eventTime,
      Double lat,
      Double lon,
      Double batteryPct,
      String operationalStatus,
      Double speedKmh,
      Double headingDeg,
      Double odometerKm,
      Double gpsAccuracyM,
      Double estimatedRangeM,
      Boolean locked) {}

  /** A booking lifecycle event as on {@code domain.events}. */
  record BookingJson(
      String eventId,
      String eventType,
      String bookingId,
      String vehicleId,
      String locationId,
      String eventTime,
      String bookingStart,
      String bookingEnd) {}

  /** A rejected record as on {@code dead.letter}. */
  record DeadLetterJson(
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String reason,
      String detail,
      String rejectedAt,
      String payload) {}

  /**
   * A vehicle's availability as on {@code veh.inventory.updates}, in MDS / GBFS terms. Unlike the
   * event topics every field is always written, absent ones as JSON null, so a consumer can tell
   * "no position yet" from an old producer. is_reserved, is_disabled and current_fuel_percent are
   * derived (from status and battery_pct) for GBFS consumers.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({"vehicle_id", "status", "is_reserved", "is_disabled"}) // renamed ones go last
  record InventoryUpdateJson(
      String vehicleId,
      String status,
      // Explicit: Jackson would read an "is" accessor of a record as the property "reserved".
      @JsonProperty("is_reserved") Boolean isReserved,
      @JsonProperty("is_disabled") Boolean isDisabled,
      String bookingId,
      String locationId,
      Double lat,
      Double lon,
      Double batteryPct,
      Double currentFuelPercent,
      Double currentRangeMeters,
      String operationalStatus,
      String lastReported,
      String asOf,
      Long revision,
      String reason) {}

  /** A weather observation as on {@code weather.observations}, keyed by location_id. */
  record WeatherJson(
      String observationId,
      String locationId,
      String observedAt,
      Double temperatureC,
      Double precipitationMmH,
      Double windSpeedKmh,
      String condition) {}

  /**
   * An enriched reading as on {@code veh.telemetry.enriched}: the reading as on the raw topic plus
   * what the fleet knows around it. Every field is written; reference data the pipeline lacks is
   * null and named in {@code unknowns} ("vehicle", "home_city", "weather").
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record EnrichedTelemetryJson(
      TelemetryJson telemetry,
      VehicleJson vehicle,
      ZoneJson zone,
      String homeCity,
      Double metresInsideOperatingArea,
      String weatherLocationId,
      WeatherJson weather,
      List<String> unknowns) {}

  /** A vehicle's metadata as in the {@code vehicles} table. */
  record VehicleJson(String vehicleType, String model, String homeLocationId, String lastServiceDate) {}

  /** The zone whose geofence contains a position. */
  record ZoneJson(String locationId, String name, String city) {}

  /**
   * An alert as on {@code alerts}. Like the inventory updates every field is always written, so a
   * location alert says "vehicle_id": null. Details are read as any JSON values so the decoder can
   * reject what is not a string instead of letting Jackson coerce it.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record AlertJson(
      String alertId,
      String type,
      String severity,
      String vehicleId,
      String locationId,
      String eventTime,
      String detectedAt,
      Map<String, Object> details) {}

  /**
   * One location's booking count in one window, as on {@code demand.windows}. Every field is
   * written: a null baseline (a location's first window) or ratio (a baseline of 0) is explicit.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record DemandWindowJson(
      String locationId,
      String windowStart,
      String windowEnd,
      Long bookingCount,
      Double baseline,
      Double ratio,
      Integer historyWindows,
      Boolean spike,
      Integer revision) {}

  /** One location's minute, as on {@code metrics.location.1m}. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record LocationMetricsJson(
      String locationId,
      String windowStart,
      String windowEnd,
      long readings,
      double utilizationPct,
      double avgBatteryPct,
      long vehicles,
      long vehiclesAvailable,
      long revision) {}

  // ---------------------------------------------------------------- decoding

  /**
   * Decodes and validates one telemetry payload.
   *
   * @param now processing time, to reject device clocks running ahead by more than {@code
   *     maxFutureSkew}
   */
  public static TelemetryEvent decodeTelemetry(
      @Nullable String payload, Instant now, Duration maxFutureSkew) {
    TelemetryJson json = read(TELEMETRY_READER, payload);
    Instant eventTime = notInFuture(EVENT_TIME_FIELD, json.eventTime(), now, maxFutureSkew);
    return TelemetryEvent.builder()
        .setEventId(requiredText("event_id", json.eventId()))
        .setVehicleId(requiredText("vehicle_id", json.vehicleId()))
        .setEventTime(eventTime)
        .setLat(inRange("lat", required("lat", json.lat()), -90, 90))
        .setLon(inRange("lon", required("lon", json.lon()), -180, 180))
        .setBatteryPct(inRange("battery_pct", required("battery_pct", json.batteryPct()), 0, 100))
        .setOperationalStatus(
            enumValue(
                OperationalStatus.class,
                "operational_status",
                requiredText("operational_status", json.operationalStatus())))
        .setSpeedKmh(optionalInRange("speed_kmh", json.speedKmh(), 0, 400))
        .setHeadingDeg(optionalInRange("heading_deg", json.headingDeg(), 0, 360))
        .setOdometerKm(optionalInRange("odometer_km", json.odometerKm(), 0, Double.MAX_VALUE))
        .setGpsAccuracyM(optionalInRange("gps_accuracy_m", json.gpsAccuracyM(), 0, Double.MAX_VALUE))
        .setEstimatedRangeM(
            optionalInRange("estimated_range_m", json.estimatedRangeM(), 0, Double.MAX_VALUE))
        .setLocked(json.locked())
        .build();
  }

  /** Decodes and validates one booking payload; see {@link #decodeTelemetry}. */
  public static BookingEvent decodeBooking(
      @Nullable String payload, Instant now, Duration maxFutureSkew) {
    BookingJson json = read(BOOKING_READER, payload);
    BookingEventType type =
        enumValue(BookingEventType.class, "event_type", requiredText("event_type", json.eventType()));
    Instant eventTime = notInFuture(EVENT_TIME_FIELD, json.eventTime(), now, maxFutureSkew);
    Instant bookingStart = timestamp("booking_start", requiredText("booking_start", json.bookingStart()));
    Instant bookingEnd =
        json.bookingEnd() == null ? null : timestamp("booking_end", json.bookingEnd());
    if (bookingEnd != null && bookingEnd.isBefore(bookingStart)) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, "booking_end is before booking_start");
    }
    return BookingEvent.builder()
        .setEventId(requiredText("event_id", json.eventId()))
        .setEventType(type)
        .setBookingId(requiredText("booking_id", json.bookingId()))
        .setVehicleId(requiredText("vehicle_id", json.vehicleId()))
        .setLocationId(requiredText("location_id", json.locationId()))
        .setEventTime(eventTime)
        .setBookingStart(bookingStart)
        .setBookingEnd(bookingEnd)
        .build();
  }

  /**
   * Decodes and validates one inventory update, the inverse of {@link #inventoryUpdateToJson}.
   * The derived GBFS fields may be absent; when present they must agree with status and
   * battery_pct.
   */
  public static InventoryUpdate decodeInventoryUpdate(@Nullable String payload) {
    InventoryUpdateJson json = read(INVENTORY_READER, payload);
    VehicleStatus status =
        enumValue(VehicleStatus.class, "status", requiredText("status", json.status()));
    agrees("is_reserved", json.isReserved(), status.isReserved(), "status " + json.status());
    agrees("is_disabled", json.isDisabled(), status.isDisabled(), "status " + json.status());
    Double batteryPct = optionalInRange("battery_pct", json.batteryPct(), 0, 100);
    Double fuel = json.currentFuelPercent();
    Double impliedFuel = fuelPercent(batteryPct);
    // Tolerant: a producer dividing by 100 may differ from ours in the last bit.
    if (fuel != null && impliedFuel != null && Math.abs(fuel - impliedFuel) <= 1e-9) {
      fuel = impliedFuel;
    }
    agrees("current_fuel_percent", fuel, impliedFuel, "battery_pct " + batteryPct);
    if ((json.lat() == null) != (json.lon() == null)) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, "lat and lon must both be present or both be null");
    }
    long revision = required("revision", json.revision());
    if (revision < 0) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, "revision = " + revision + " is negative");
    }
    return InventoryUpdate.builder()
        .setVehicleId(requiredText("vehicle_id", json.vehicleId()))
        .setStatus(status)
        .setBookingId(json.bookingId())
        .setLocationId(json.locationId())
        .setLat(optionalInRange("lat", json.lat(), -90, 90))
        .setLon(optionalInRange("lon", json.lon(), -180, 180))
        .setBatteryPct(batteryPct)
        .setEstimatedRangeM(
            optionalInRange(
                "current_range_meters", json.currentRangeMeters(), 0, Double.MAX_VALUE))
        .setOperationalStatus(
            json.operationalStatus() == null
                ? null
                : enumValue(OperationalStatus.class, "operational_status", json.operationalStatus()))
        .setLastReported(
            json.lastReported() == null ? null : timestamp("last_reported", json.lastReported()))
        .setAsOf(timestamp("as_of", requiredText("as_of", json.asOf())))
        .setRevision(revision)
        .setReason(
            enumValue(InventoryUpdateReason.class, "reason", requiredText("reason", json.reason())))
        .build();
  }

  /**
   * Decodes and validates one weather observation; see {@link #decodeTelemetry}. The plausible
   * ranges are wide (-60..60 °C, 0..300 mm/h, 0..250 km/h): they catch unit mix-ups and broken
   * sensors, not unusual weather.
   */
  public static WeatherObservation decodeWeather(
      @Nullable String payload, Instant now, Duration maxFutureSkew) {
    WeatherJson json = read(WEATHER_READER, payload);
    Instant observedAt = notInFuture(OBSERVED_AT_FIELD, json.observedAt(), now, maxFutureSkew);
    return WeatherObservation.create(
        requiredText("observation_id", json.observationId()),
        requiredText("location_id", json.locationId()),
        observedAt,
        inRange("temperature_c", required("temperature_c", json.temperatureC()), -60, 60),
        inRange(
            "precipitation_mm_h", required("precipitation_mm_h", json.precipitationMmH()), 0, 300),
        inRange("wind_speed_kmh", required("wind_speed_kmh", json.windSpeedKmh()), 0, 250),
        enumValue(
            WeatherCondition.class, "condition", requiredText("condition", json.condition())));
  }

  /**
   * Decodes and validates one alert, the inverse of {@link #alertToJson}. No clock check: alerts
   * are the pipeline's own output, and a replay legitimately carries old times.
   */
  public static Alert decodeAlert(@Nullable String payload) {
    AlertJson json = read(ALERT_READER, payload);
    return Alert.builder()
        .setAlertId(requiredText("alert_id", json.alertId()))
        .setType(enumValue(AlertType.class, "type", requiredText("type", json.type())))
        .setSeverity(
            enumValue(AlertSeverity.class, "severity", requiredText("severity", json.severity())))
        .setVehicleId(optionalText("vehicle_id", json.vehicleId()))
        .setLocationId(optionalText("location_id", json.locationId()))
        .setEventTime(timestamp("event_time", requiredText("event_time", json.eventTime())))
        .setDetectedAt(timestamp("detected_at", requiredText("detected_at", json.detectedAt())))
        .setDetails(stringValues("details", required("details", json.details())))
        .build();
  }

  /** Decodes one {@code demand.windows} record, the inverse of {@link #demandWindowToJson}. */
  public static DemandWindow decodeDemandWindow(@Nullable String payload) {
    DemandWindowJson json = read(DEMAND_WINDOW_READER, payload);
    return DemandWindow.builder()
        .setLocationId(requiredText("location_id", json.locationId()))
        .setWindowStart(timestamp("window_start", requiredText("window_start", json.windowStart())))
        .setWindowEnd(timestamp("window_end", requiredText("window_end", json.windowEnd())))
        .setBookingCount(required("booking_count", json.bookingCount()))
        .setBaseline(json.baseline())
        .setRatio(json.ratio())
        .setHistoryWindows(required("history_windows", json.historyWindows()))
        .setSpike(required("spike", json.spike()))
        .setRevision(required("revision", json.revision()))
        .build();
  }

  /**
   * Reads only the top-level {@code event_time} of a payload, cheaply (a streaming scan, no
   * object). Null when the payload has no parseable event time; the caller decides what that means.
   */
  public static @Nullable Instant peekEventTime(@Nullable String payload) {
    return peekTimestamp(payload, EVENT_TIME_FIELD);
  }

  /** {@link #peekEventTime} for weather payloads, whose time is {@code observed_at}. */
  public static @Nullable Instant peekObservedAt(@Nullable String payload) {
    return peekTimestamp(payload, OBSERVED_AT_FIELD);
  }

  /**
   * Reads only the top-level timestamp {@code field} of a payload, like {@link #peekEventTime}.
   * Null when the payload has no parseable value there.
   */
  public static @Nullable Instant peekTimestamp(@Nullable String payload, String field) {
    if (payload == null) {
      return null;
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals(name)) {
          return value == JsonToken.VALUE_STRING ? parseInstant(parser.getText()) : null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException | DateTimeParseException e) {
      return null;
    }
  }

  private static <T> T read(ObjectReader reader, @Nullable String payload) {
    if (payload == null || payload.isBlank()) {
      throw new InvalidEventException(DeadLetterReason.MALFORMED_JSON, "empty payload");
    }
    try {
      return reader.readValue(payload);
    } catch (JsonParseException e) {
      throw new InvalidEventException(
          DeadLetterReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
    } catch (MismatchedInputException e) {
      if (e.getPath().isEmpty()) {
        throw new InvalidEventException(
            DeadLetterReason.MALFORMED_JSON, "not a JSON object: " + e.getOriginalMessage());
      }
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, "wrong type for field " + fieldPath(e));
    } catch (JsonMappingException e) {
      // Jackson wraps syntax errors met inside a field (a truncated string) in a mapping error.
      if (e.getCause() instanceof JsonParseException) {
        throw new InvalidEventException(
            DeadLetterReason.MALFORMED_JSON,
            "not valid JSON: " + ((JsonParseException) e.getCause()).getOriginalMessage());
      }
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, "cannot map " + fieldPath(e) + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new InvalidEventException(DeadLetterReason.MALFORMED_JSON, e.getOriginalMessage());
    }
  }

  private static String fieldPath(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  /** A required timestamp that may be at most {@code maxFutureSkew} ahead of {@code now}. */
  private static Instant notInFuture(
      String field, @Nullable String text, Instant now, Duration maxFutureSkew) {
    Instant time = timestamp(field, requiredText(field, text));
    if (time.isAfter(now.plus(maxFutureSkew))) {
      throw new InvalidEventException(
          DeadLetterReason.FUTURE_TIMESTAMP,
          // Not the clock's reading itself (that is the dead letter's rejected_at): the detail
          // then stays the same when a replay rejects the record again.
          field + " " + text + " is more than " + maxFutureSkew + " ahead of the clock (rejected_at,"
              + " or the record's Kafka timestamp if earlier)");
    }
    return time;
  }

  private static Instant timestamp(String field, String text) {
    try {
      return parseInstant(text);
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE, field + " is not an ISO-8601 instant: " + text);
    }
  }

  private static Instant parseInstant(String text) {
    return new Instant(java.time.Instant.parse(text).toEpochMilli());
  }

  private static <T> T required(String field, @Nullable T value) {
    if (value == null) {
      throw new InvalidEventException(DeadLetterReason.MISSING_FIELD, "missing field " + field);
    }
    return value;
  }

  private static String requiredText(String field, @Nullable String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(DeadLetterReason.MISSING_FIELD, "missing field " + field);
    }
    return value;
  }

  /** Absent (null) is fine; present but blank is not an id. */
  private static @Nullable String optionalText(String field, @Nullable String value) {
    if (value != null && value.isBlank()) {
      throw new InvalidEventException(DeadLetterReason.INVALID_VALUE, field + " is blank");
    }
    return value;
  }

  /** A JSON object whose values must all be strings (no silent coercion of numbers or nulls). */
  private static Map<String, String> stringValues(String field, Map<String, Object> object) {
    Map<String, String> strings = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object.entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw new InvalidEventException(
            DeadLetterReason.INVALID_VALUE,
            field + "." + e.getKey() + " = " + e.getValue() + " is not a string");
      }
      strings.put(e.getKey(), (String) e.getValue());
    }
    return strings;
  }

  private static double inRange(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE,
          field + " = " + value + " is outside " + min + ".." + max);
    }
    return value;
  }

  private static @Nullable Double optionalInRange(
      String field, @Nullable Double value, double min, double max) {
    return value == null ? null : inRange(field, value, min, max);
  }

  /** A redundant field, when present, must say what its source field implies. */
  private static void agrees(
      String field, @Nullable Object value, @Nullable Object implied, String source) {
    if (value != null && !Objects.equals(value, implied)) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_VALUE,
          field + " = " + value + " contradicts " + source + " (implies " + implied + ")");
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String field, String wireValue) {
    try {
      return Enum.valueOf(type, wireValue.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(
          DeadLetterReason.UNKNOWN_EVENT_TYPE, "unknown " + field + " '" + wireValue + "'");
    }
  }

  // ---------------------------------------------------------------- encoding

  public static String telemetryToJson(TelemetryEvent e) {
    return write(
        TELEMETRY_WRITER,
        new TelemetryJson(
            e.getEventId(),
            e.getVehicleId(),
            format(e.getEventTime()),
            e.getLat(),
            e.getLon(),
            e.getBatteryPct(),
            wire(e.getOperationalStatus()),
            e.getSpeedKmh(),
            e.getHeadingDeg(),
            e.getOdometerKm(),
            e.getGpsAccuracyM(),
            e.getEstimatedRangeM(),
            e.getLocked()));
  }

  public static String bookingToJson(BookingEvent e) {
    return write(
        BOOKING_WRITER,
        new BookingJson(
            e.getEventId(),
            wire(e.getEventType()),
            e.getBookingId(),
            e.getVehicleId(),
            e.getLocationId(),
            format(e.getEventTime()),
            format(e.getBookingStart()),
            e.getBookingEnd() == null ? null : format(e.getBookingEnd())));
  }

  public static String deadLetterToJson(DeadLetter d) {
    return write(
        DEAD_LETTER_WRITER,
        new DeadLetterJson(
            d.getSourceTopic(),
            d.getSourcePartition(),
            d.getSourceOffset(),
            wire(d.getReason()),
            d.getDetail(),
            format(d.getRejectedAt()),
            d.getPayload()));
  }

  public static String inventoryUpdateToJson(InventoryUpdate u) {
    return write(
        INVENTORY_WRITER,
        new InventoryUpdateJson(
            u.getVehicleId(),
            wire(u.getStatus()),
            u.getStatus().isReserved(),
            u.getStatus().isDisabled(),
            u.getBookingId(),
            u.getLocationId(),
            u.getLat(),
            u.getLon(),
            u.getBatteryPct(),
            fuelPercent(u.getBatteryPct()),
            u.getEstimatedRangeM(),
            u.getOperationalStatus() == null ? null : wire(u.getOperationalStatus()),
            u.getLastReported() == null ? null : format(u.getLastReported()),
            format(u.getAsOf()),
            u.getRevision(),
            wire(u.getReason())));
  }

  public static String weatherToJson(WeatherObservation w) {
    return write(
        WEATHER_WRITER,
        new WeatherJson(
            w.getObservationId(),
            w.getLocationId(),
            format(w.getObservedAt()),
            w.getTemperatureC(),
            w.getPrecipitationMmH(),
            w.getWindSpeedKmh(),
            wire(w.getCondition())));
  }

  public static String enrichedTelemetryToJson(EnrichedTelemetry e) {
    TelemetryEvent t = e.getTelemetry();
    VehicleMetadata v = e.getVehicle();
    LocationMetadata z = e.getZone();
    WeatherObservation w = e.getWeather();
    List<String> unknowns = new ArrayList<>();
    e.unknowns().forEach(u -> unknowns.add(wire(u)));
    return write(
        ENRICHED_WRITER,
        new EnrichedTelemetryJson(
            new TelemetryJson(
                t.getEventId(), t.getVehicleId(), format(t.getEventTime()), t.getLat(), t.getLon(),
                t.getBatteryPct(), wire(t.getOperationalStatus()), t.getSpeedKmh(),
                t.getHeadingDeg(), t.getOdometerKm(), t.getGpsAccuracyM(), t.getEstimatedRangeM(),
                t.getLocked()),
            v == null
                ? null
                : new VehicleJson(
                    wire(v.getVehicleType()), v.getModel(), v.getHomeLocationId(),
                    format(v.getLastServiceDate()).substring(0, 10)),
            z == null ? null : new ZoneJson(z.getLocationId(), z.getName(), z.getCity()),
            e.getHomeCity(),
            e.getMetresInsideOperatingArea() == null
                ? null
                : (double) Math.round(e.getMetresInsideOperatingArea()),
            e.getWeatherLocationId(),
            w == null
                ? null
                : new WeatherJson(
                    w.getObservationId(), w.getLocationId(), format(w.getObservedAt()),
                    w.getTemperatureC(), w.getPrecipitationMmH(), w.getWindSpeedKmh(),
                    wire(w.getCondition())),
            unknowns));
  }

  /** Details are written with sorted keys, so equal alerts give byte-identical records. */
  public static String alertToJson(Alert a) {
    return write(
        ALERT_WRITER,
        new AlertJson(
            a.getAlertId(),
            wire(a.getType()),
            wire(a.getSeverity()),
            a.getVehicleId(),
            a.getLocationId(),
            format(a.getEventTime()),
            format(a.getDetectedAt()),
            new TreeMap<>(a.getDetails())));
  }

  public static String locationMetricsToJson(LocationMetrics m) {
    return write(
        LOCATION_METRICS_WRITER,
        new LocationMetricsJson(
            m.getLocationId(),
            format(m.getWindowStart()),
            format(m.getWindowEnd()),
            m.getReadings(),
            m.getUtilizationPct(),
            m.getAvgBatteryPct(),
            m.getVehicles(),
            m.getVehiclesAvailable(),
            m.getRevision()));
  }

  public static String demandWindowToJson(DemandWindow w) {
    return write(
        DEMAND_WINDOW_WRITER,
        new DemandWindowJson(
            w.getLocationId(),
            format(w.getWindowStart()),
            format(w.getWindowEnd()),
            w.getBookingCount(),
            w.getBaseline(),
            w.getRatio(),
            w.getHistoryWindows(),
            w.getSpike(),
            w.getRevision()));
  }

  /**
   * GBFS {@code current_fuel_percent} (0..1) of a battery percentage: the decimal point moved, not
   * a floating-point division, so 33.3 % is 0.333 rather than 0.33299999999999996.
   */
  static @Nullable Double fuelPercent(@Nullable Double batteryPct) {
    return batteryPct == null ? null : BigDecimal.valueOf(batteryPct).movePointLeft(2).doubleValue();
  }

  /** Wire spelling of an enum constant: its lower-case name ({@code return_completed}). */
  public static String wire(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** ISO-8601 UTC with milliseconds, as every timestamp on the wire. */
  public static String format(Instant instant) {
    return java.time.Instant.ofEpochMilli(instant.getMillis()).toString();
  }

  private static <T> String write(ObjectWriter writer, T value) {
    try {
      return writer.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value, e);
    }
  }

  private EventJson() {}
}
