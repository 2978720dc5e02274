package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.json.InvalidEventException;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.VehicleEvent;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every malformed message is malformed exactly in the labelled way (checked independently with
 * Jackson), and the io module's decoder agrees; every valid payload decodes back to its event.
 */
class MalformedMessagesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The validator's tolerance for device clocks running ahead (a pipeline option). */
  private static final Duration MAX_FUTURE_SKEW = Duration.standardMinutes(5);

  private static SimulatorTestSupport.Run run;
  private static List<SimulatedMessage> malformed;

  @BeforeAll
  static void generate() {
    run =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard()
                .duration(Duration.standardMinutes(60))
                .bookingsPerVehiclePerDay(40)
                .malformedRate(0.05)
                .build());
    malformed =
        run.messages().stream().filter(m -> m.kind() == SimulatedMessage.Kind.MALFORMED).toList();
  }

  @Test
  void everyReasonOccursOnBothTopics() {
    Map<DeadLetterReason, Integer> telemetry = new EnumMap<>(DeadLetterReason.class);
    Map<DeadLetterReason, Integer> booking = new EnumMap<>(DeadLetterReason.class);
    for (SimulatedMessage m : malformed) {
      (m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW) ? telemetry : booking)
          .merge(m.expectedReason(), 1, Integer::sum);
    }
    Set<DeadLetterReason> expected =
        EnumSet.of(
            DeadLetterReason.MALFORMED_JSON,
            DeadLetterReason.MISSING_FIELD,
            DeadLetterReason.INVALID_VALUE,
            DeadLetterReason.UNKNOWN_EVENT_TYPE,
            DeadLetterReason.FUTURE_TIMESTAMP);
    assertThat(telemetry.keySet(), equalTo(expected));
    assertThat(booking.keySet(), equalTo(expected));
    assertThat(malformed.size(), greaterThan(1_000));
  }

  @Test
  void malformedMessagesAreBrokenAsLabelled() {
    for (SimulatedMessage m : malformed) {
      String why = m.expectedReason() + ": " + m.payload();
      boolean telemetry = m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW);
      JsonNode node = tryParse(m.payload());
      if (m.expectedReason() == DeadLetterReason.MALFORMED_JSON) {
        assertThat(why, node == null || !node.isObject(), equalTo(true));
        continue;
      }
      assertThat(why, node != null && node.isObject(), equalTo(true));
      List<String> required =
          telemetry ? MalformedPayloads.TELEMETRY_REQUIRED : MalformedPayloads.BOOKING_REQUIRED;
      long missing = required.stream().filter(f -> !node.hasNonNull(f)).count();
      if (m.expectedReason() == DeadLetterReason.MISSING_FIELD) {
        assertThat(why, missing, equalTo(1L));
        continue;
      }
      assertThat(why, missing, equalTo(0L));
      // Exactly one of these is wrong: timestamp, range, enum value.
      Instant eventTime = parseInstant(node.get("event_time").asText());
      boolean badTime = eventTime == null;
      boolean badRange =
          telemetry
              && (outside(node.get("battery_pct").asDouble(), 0, 100)
                  || outside(node.get("lat").asDouble(), -90, 90)
                  || outside(node.get("lon").asDouble(), -180, 180));
      boolean unknownType =
          telemetry
              ? !isWireValue(OperationalStatus.values(), node.path("operational_status").asText())
              : !isWireValue(BookingEventType.values(), node.path("event_type").asText());
      boolean future =
          eventTime != null
              && eventTime.isAfter(m.deliveryTime().plus(Duration.standardDays(1)));
      switch (m.expectedReason()) {
        case INVALID_VALUE:
          assertThat(why, badTime ^ badRange, equalTo(true));
          assertThat(why, unknownType || future, equalTo(false));
          break;
        case UNKNOWN_EVENT_TYPE:
          assertThat(why, unknownType, equalTo(true));
          assertThat(why, badTime || badRange || future, equalTo(false));
          break;
        case FUTURE_TIMESTAMP:
          assertThat(why, future, equalTo(true));
          assertThat(why, badTime || badRange || unknownType, equalTo(false));
          break;
        default:
          fail("unexpected reason " + why);
      }
    }
  }

  @Test
  void theDecoderRejectsMalformedMessagesWithTheExpectedReason() {
    for (SimulatedMessage m : malformed) {
      InvalidEventException e =
          assertThrows(InvalidEventException.class, () -> decode(m), m::payload);
      assertThat(m.payload() + " -> " + e.getMessage(), e.reason(), equalTo(m.expectedReason()));
    }
  }

  @Test
  void validPayloadsDecodeToTheirEvents() {
    int checked = 0;
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() != SimulatedMessage.Kind.MALFORMED) {
        assertThat(m.payload(), decode(m), equalTo(m.event()));
        checked++;
      }
    }
    assertThat(checked, greaterThanOrEqualTo(run.messages().size() - malformed.size()));
  }

  @Test
  void theWireUsesSnakeCaseNamesAndLowerCaseValues() {
    SimulatedMessage telemetry =
        run.originals().stream().filter(SimulatedMessage::isTelemetry).findFirst().orElseThrow();
    JsonNode t = tryParse(telemetry.payload());
    for (String field :
        List.of("event_id", "vehicle_id", "event_time", "lat", "lon", "battery_pct", "operational_status")) {
      assertThat(field, t.has(field), equalTo(true));
    }
    assertThat(t.get("operational_status").asText(), equalTo("operational"));
    assertThat(t.get("event_time").asText().endsWith("Z"), equalTo(true));

    SimulatedMessage booking =
        run.originals().stream().filter(SimulatedMessage::isBooking).findFirst().orElseThrow();
    JsonNode b = tryParse(booking.payload());
    assertThat(b.get("event_type").asText(), equalTo("booking_created"));
    assertThat(b.has("booking_id"), equalTo(true));
    assertThat(b.has("booking_end"), equalTo(false)); // open booking: absent (null)
    assertThat(b.get("booking_start"), notNullValue());
  }

  private static VehicleEvent decode(SimulatedMessage m) {
    // Processing time = delivery time: what a pipeline consuming in real time would use.
    return m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW)
        ? EventJson.decodeTelemetry(m.payload(), m.deliveryTime(), MAX_FUTURE_SKEW)
        : EventJson.decodeBooking(m.payload(), m.deliveryTime(), MAX_FUTURE_SKEW);
  }

  private static JsonNode tryParse(String payload) {
    try {
      return MAPPER.readTree(payload);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static Instant parseInstant(String text) {
    try {
      return new Instant(java.time.Instant.parse(text).toEpochMilli());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean outside(double value, double min, double max) {
    return !(value >= min && value <= max);
  }

  private static boolean isWireValue(Enum<?>[] values, String wire) {
    for (Enum<?> v : values) {
      if (v.name().toLowerCase(java.util.Locale.ROOT).equals(wire)) {
        return true;
      }
    }
    return false;
  }
}
