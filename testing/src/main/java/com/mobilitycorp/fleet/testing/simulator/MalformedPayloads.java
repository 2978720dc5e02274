package com.mobilitycorp.fleet.testing.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.joda.time.Instant;

/**
 * Builds the malformed messages: each starts from a valid payload (with a fresh event id) and
 * breaks exactly one thing, so the expected dead-letter reason is unambiguous.
 */
final class MalformedPayloads {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter GERMAN_LOCAL =
      DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss").withZone(ZoneOffset.UTC);

  /** The ways a payload is broken; each maps to one dead-letter reason. */
  enum Variant {
    /** The record was cut off in transit: a proper prefix of the JSON object. */
    TRUNCATED(DeadLetterReason.MALFORMED_JSON, true, true),
    /** A gateway batching bug: a JSON array of two copies instead of one object. */
    JSON_ARRAY(DeadLetterReason.MALFORMED_JSON, true, true),
    /** Double-encoded: the JSON object serialised once more as a JSON string. */
    JSON_STRING(DeadLetterReason.MALFORMED_JSON, true, true),
    /** Legacy firmware sending a semicolon-separated line. */
    CSV_LINE(DeadLetterReason.MALFORMED_JSON, true, false),
    /** A required field is absent. */
    FIELD_ABSENT(DeadLetterReason.MISSING_FIELD, true, true),
    /** A required field is JSON null. */
    FIELD_NULL(DeadLetterReason.MISSING_FIELD, true, true),
    /** battery_pct outside 0..100 (e.g. 140 or -3). */
    BATTERY_OUT_OF_RANGE(DeadLetterReason.INVALID_VALUE, true, false),
    /** lat outside -90..90 or lon outside -180..180. */
    COORDINATE_OUT_OF_RANGE(DeadLetterReason.INVALID_VALUE, true, false),
    /** event_time that is not an ISO-8601 instant. */
    UNPARSEABLE_TIME(DeadLetterReason.INVALID_VALUE, true, true),
    /** operational_status the platform does not know. */
    UNKNOWN_STATUS(DeadLetterReason.UNKNOWN_EVENT_TYPE, true, false),
    /** event_type the platform does not know. */
    UNKNOWN_EVENT_TYPE(DeadLetterReason.UNKNOWN_EVENT_TYPE, false, true),
    /** event_time two to three days ahead (device clock or a bug). */
    FUTURE_TIME(DeadLetterReason.FUTURE_TIMESTAMP, true, true);

    final DeadLetterReason reason;
    final boolean telemetry;
    final boolean booking;

    Variant(DeadLetterReason reason, boolean telemetry, boolean booking) {
      this.reason = reason;
      this.telemetry = telemetry;
      this.booking = booking;
    }
  }

  static final List<Variant> TELEMETRY_VARIANTS =
      java.util.Arrays.stream(Variant.values()).filter(v -> v.telemetry).toList();
  static final List<Variant> BOOKING_VARIANTS =
      java.util.Arrays.stream(Variant.values()).filter(v -> v.booking).toList();

  /** Required telemetry / booking fields that FIELD_ABSENT and FIELD_NULL remove or null. */
  static final List<String> TELEMETRY_REQUIRED =
      List.of("event_id", "vehicle_id", "event_time", "lat", "lon", "battery_pct");

  static final List<String> BOOKING_REQUIRED =
      List.of("event_id", "vehicle_id", "event_time", "event_type", "booking_id", "location_id");

  static final List<String> UNKNOWN_STATUSES = List.of("hibernating", "teleporting", "docked");
  static final List<String> UNKNOWN_EVENT_TYPES =
      List.of("booking_teleported", "booking_paused", "rental_extended");

  /** A malformed payload and the reason it must be rejected with. */
  record Malformed(String payload, Variant variant) {
    DeadLetterReason reason() {
      return variant.reason;
    }
  }

  /**
   * Breaks {@code validJson} (a payload of an event at {@code eventTime}) in one random way
   * applicable to its topic, after giving it the event id {@code newEventId}.
   */
  static Malformed create(
      SimRandom rnd, boolean telemetry, String validJson, String newEventId, Instant eventTime) {
    List<Variant> variants = telemetry ? TELEMETRY_VARIANTS : BOOKING_VARIANTS;
    Variant variant = variants.get(rnd.nextInt(variants.size()));
    return new Malformed(apply(variant, rnd, telemetry, validJson, newEventId, eventTime), variant);
  }

  static String apply(
      Variant variant,
      SimRandom rnd,
      boolean telemetry,
      String validJson,
      String newEventId,
      Instant eventTime) {
    ObjectNode node = parse(validJson);
    node.put("event_id", newEventId);
    String json = write(node);
    switch (variant) {
      case TRUNCATED:
        // A proper, non-empty prefix never parses: the object is never closed.
        return json.substring(0, 1 + rnd.nextInt(json.length() - 2));
      case JSON_ARRAY:
        return "[" + json + "," + json + "]";
      case JSON_STRING:
        return write(MAPPER.getNodeFactory().textNode(json));
      case CSV_LINE:
        return node.path("vehicle_id").asText()
            + ";"
            + EventJson.format(eventTime)
            + ";"
            + node.path("lat").asText()
            + ";"
            + node.path("lon").asText()
            + ";"
            + node.path("battery_pct").asText();
      case FIELD_ABSENT:
        {
          List<String> fields = telemetry ? TELEMETRY_REQUIRED : BOOKING_REQUIRED;
          node.remove(fields.get(rnd.nextInt(fields.size())));
          return write(node);
        }
      case FIELD_NULL:
        {
          List<String> fields = telemetry ? TELEMETRY_REQUIRED : BOOKING_REQUIRED;
          node.putNull(fields.get(rnd.nextInt(fields.size())));
          return write(node);
        }
      case BATTERY_OUT_OF_RANGE:
        node.put(
            "battery_pct",
            rnd.chance(0.5)
                ? Geo.round(rnd.uniform(100.5, 255.0), 1)
                : Geo.round(rnd.uniform(-50.0, -0.5), 1));
        return write(node);
      case COORDINATE_OUT_OF_RANGE:
        if (rnd.chance(0.5)) {
          double lat = Geo.round(rnd.uniform(90.5, 180.0), 6);
          node.put("lat", rnd.chance(0.5) ? lat : -lat);
        } else {
          double lon = Geo.round(rnd.uniform(180.5, 360.0), 6);
          node.put("lon", rnd.chance(0.5) ? lon : -lon);
        }
        return write(node);
      case UNPARSEABLE_TIME:
        {
          String bad;
          switch (rnd.nextInt(3)) {
            case 0:
              bad = GERMAN_LOCAL.format(java.time.Instant.ofEpochMilli(eventTime.getMillis()));
              break;
            case 1:
              bad = "2026-13-45T25:61:00Z";
              break;
            default:
              bad = "not-a-timestamp";
              break;
          }
          node.put("event_time", bad);
          return write(node);
        }
      case UNKNOWN_STATUS:
        node.put("operational_status", UNKNOWN_STATUSES.get(rnd.nextInt(UNKNOWN_STATUSES.size())));
        return write(node);
      case UNKNOWN_EVENT_TYPE:
        node.put("event_type", UNKNOWN_EVENT_TYPES.get(rnd.nextInt(UNKNOWN_EVENT_TYPES.size())));
        return write(node);
      case FUTURE_TIME:
        {
          long ahead =
              SimulatorConfig.FUTURE_SKEW.getMillis()
                  + rnd.uniformLong(0, SimulatorConfig.FUTURE_SKEW.getMillis() / 2);
          node.put("event_time", EventJson.format(new Instant(eventTime.getMillis() + ahead)));
          return write(node);
        }
      default:
        throw new IllegalStateException("unhandled variant " + variant);
    }
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("valid payload does not parse: " + json, e);
    }
  }

  private static String write(Object node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private MalformedPayloads() {}
}
