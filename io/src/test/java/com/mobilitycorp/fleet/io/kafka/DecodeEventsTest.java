package com.mobilitycorp.fleet.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class DecodeEventsTest {
  private static final String TOPIC = "veh.events.raw";

  private static KafkaRecord<String, String> record(int partition, long offset, String value) {
    return record(TOPIC, partition, offset, value);
  }

  private static KafkaRecord<String, String> record(
      String topic, int partition, long offset, String value) {
    return new KafkaRecord<>(
        topic, partition, offset, 0L, KafkaTimestampType.CREATE_TIME, null, "v1", value);
  }

  private static PCollection<KafkaRecord<String, String>> create(
      TestPipeline p, List<KafkaRecord<String, String>> records) {
    return p.apply(
        Create.of(records)
            .withCoder(
                KafkaRecordCoder.of(
                    NullableCoder.of(StringUtf8Coder.of()),
                    NullableCoder.of(StringUtf8Coder.of()))));
  }

  private static long counter(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> c :
        result.metrics().queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(DecodeEvents.class, name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  @Test
  void testValidRecordsPassAndInvalidOnesBecomeDeadLettersWithOrigin(TestPipeline p) {
    TelemetryEvent valid = reading("e1", Instant.now().minus(Duration.standardMinutes(1)));
    String truncated = "{\"event_id\":\"e2\",\"vehi";
    String batteryOutOfRange = EventJson.telemetryToJson(valid).replace("\"battery_pct\":40.0", "\"battery_pct\":140.0");
    List<KafkaRecord<String, String>> records =
        List.of(
            record(0, 10, EventJson.telemetryToJson(valid)),
            record(1, 20, truncated),
            record(2, 30, batteryOutOfRange),
            record(3, 40, null));

    WithFailures.Result<PCollection<TelemetryEvent>, DeadLetter> decoded =
        create(p, records).apply(DecodeEvents.telemetry(Duration.standardMinutes(5)));

    PAssert.that(decoded.output()).containsInAnyOrder(valid);
    PAssert.that(
            decoded
                .failures()
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(d -> d.getSourceTopic() + "/" + d.getSourcePartition() + "@"
                            + d.getSourceOffset() + " " + d.getReason() + " " + d.getPayload())))
        .containsInAnyOrder(
            TOPIC + "/1@20 " + DeadLetterReason.MALFORMED_JSON + " " + truncated,
            TOPIC + "/2@30 " + DeadLetterReason.INVALID_VALUE + " " + batteryOutOfRange,
            TOPIC + "/3@40 " + DeadLetterReason.MALFORMED_JSON + " ");
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(counter(result, "decoded_" + TOPIC), is(1L));
    assertThat(counter(result, "dead_letters_malformed_json"), is(2L));
    assertThat(counter(result, "dead_letters_invalid_value"), is(1L));
  }

  @Test
  void testWeatherIsDecodedAndFutureOrForeignPayloadsBecomeDeadLetters(TestPipeline p) {
    String topic = FleetTopics.WEATHER_OBSERVATIONS;
    Instant now = Instant.now();
    WeatherObservation valid =
        WeatherObservation.create(
            "w1", "loc-ber-01", now.minus(Duration.standardMinutes(2)), 3.5, 0.4, 21.0,
            WeatherCondition.RAIN);
    String future =
        EventJson.weatherToJson(
            WeatherObservation.create(
                "w2", "loc-ber-01", now.plus(Duration.standardHours(1)), 3.5, 0.0, 21.0,
                WeatherCondition.CLOUDY));
    String telemetry = EventJson.telemetryToJson(reading("e1", now));

    WithFailures.Result<PCollection<WeatherObservation>, DeadLetter> decoded =
        create(
                p,
                List.of(
                    record(topic, 0, 1, EventJson.weatherToJson(valid)),
                    record(topic, 1, 2, future),
                    record(topic, 2, 3, telemetry)))
            .apply(DecodeEvents.weather(Duration.standardMinutes(5)));

    PAssert.that(decoded.output()).containsInAnyOrder(valid);
    PAssert.that(
            decoded
                .failures()
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(d -> d.getSourceTopic() + "/" + d.getSourcePartition() + "@"
                            + d.getSourceOffset() + " " + d.getReason())))
        .containsInAnyOrder(
            topic + "/1@2 " + DeadLetterReason.FUTURE_TIMESTAMP,
            topic + "/2@3 " + DeadLetterReason.MISSING_FIELD);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(counter(result, "decoded_" + topic), is(1L));
    assertThat(counter(result, "dead_letters_future_timestamp"), is(1L));
    assertThat(counter(result, "dead_letters_missing_field"), is(1L));
  }

  /**
   * A backlog read days after it was written: a reading whose device clock was two days ahead
   * when it was written is a future timestamp, although that time has passed by the time it is
   * read; a reading from before it was written is valid, however old.
   */
  @Test
  void testEventTimeAheadOfWhenTheRecordWasWrittenIsAFutureTimestamp(TestPipeline p) {
    Instant written = Instant.now().minus(Duration.standardDays(6));
    TelemetryEvent onTime = reading("e1", written.minus(Duration.standardSeconds(1)));
    TelemetryEvent deviceAhead = reading("e2", written.plus(Duration.standardDays(2)));

    WithFailures.Result<PCollection<TelemetryEvent>, DeadLetter> decoded =
        create(p, List.of(
                writtenAt(written, 0, 1, EventJson.telemetryToJson(onTime)),
                writtenAt(written, 0, 2, EventJson.telemetryToJson(deviceAhead))))
            .apply(DecodeEvents.telemetry(Duration.standardMinutes(5)));

    PAssert.that(decoded.output()).containsInAnyOrder(onTime);
    PAssert.that(
            decoded
                .failures()
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(d -> d.getSourceOffset() + " " + d.getReason())))
        .containsInAnyOrder("2 " + DeadLetterReason.FUTURE_TIMESTAMP);
    p.run().waitUntilFinish();
  }

  private static TelemetryEvent reading(String id, Instant eventTime) {
    return TelemetryEvent.builder()
        .setEventId(id).setVehicleId("v1").setEventTime(eventTime)
        .setLat(52.5).setLon(13.4).setBatteryPct(40)
        .setOperationalStatus(OperationalStatus.OPERATIONAL)
        .build();
  }

  private static KafkaRecord<String, String> writtenAt(
      Instant written, int partition, long offset, String value) {
    return new KafkaRecord<>(TOPIC, partition, offset, written.getMillis(),
        KafkaTimestampType.CREATE_TIME, null, "v1", value);
  }
}
