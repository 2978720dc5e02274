package com.mobilitycorp.fleet.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The record timestamps {@link KafkaEventSource} feeds its watermark policy with. */
class KafkaEventSourceTest {
  private static final Duration SKEW = Duration.standardMinutes(5);

  /** Relative to the wall clock: the policy compares with it. */
  private static final Instant RECENT = Instant.now().minus(Duration.standardMinutes(3));

  private static KafkaEventSource source(String topic) {
    return KafkaEventSource.of("127.0.0.1:9", topic, "test", Duration.standardMinutes(5), SKEW);
  }

  private static KafkaRecord<String, String> record(String topic, String payload) {
    return new KafkaRecord<>(topic, 0, 0L, 0L, KafkaTimestampType.CREATE_TIME, null, "k", payload);
  }

  private static String weatherAt(Instant observedAt) {
    return EventJson.weatherToJson(
        WeatherObservation.create(
            "w1", "loc-ham-02", observedAt, 6.0, 0.0, 25.0, WeatherCondition.CLOUDY));
  }

  @Test
  void testEventTopicsAreStampedWithEventTime() {
    String booking = bookingAt(RECENT);
    SerializableFunction<KafkaRecord<String, String>, Instant> stamp =
        source(FleetTopics.DOMAIN_EVENTS).payloadTime();

    assertThat(stamp.apply(record(FleetTopics.DOMAIN_EVENTS, booking)), is(RECENT));
    // A weather record on an event topic has no event_time: it must not move the watermark.
    assertThat(
        stamp.apply(record(FleetTopics.DOMAIN_EVENTS, weatherAt(RECENT))),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  @Test
  void testWeatherSourceIsStampedWithObservedAt() {
    SerializableFunction<KafkaRecord<String, String>, Instant> stamp =
        source(FleetTopics.WEATHER_OBSERVATIONS)
            .withTimestampField(EventJson.OBSERVED_AT_FIELD)
            .payloadTime();

    assertThat(
        stamp.apply(record(FleetTopics.WEATHER_OBSERVATIONS, weatherAt(RECENT))), is(RECENT));
  }

  @Test
  void testWeatherAheadOfTheClockOrUnreadableNeverMovesTheWatermark() {
    SerializableFunction<KafkaRecord<String, String>, Instant> stamp =
        source(FleetTopics.WEATHER_OBSERVATIONS)
            .withTimestampField(EventJson.OBSERVED_AT_FIELD)
            .payloadTime();
    Instant future = Instant.now().plus(Duration.standardHours(1));

    assertThat(
        stamp.apply(record(FleetTopics.WEATHER_OBSERVATIONS, weatherAt(future))),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(
        stamp.apply(record(FleetTopics.WEATHER_OBSERVATIONS, "{\"observed_at\":\"soon\"}")),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(
        stamp.apply(record(FleetTopics.WEATHER_OBSERVATIONS, null)),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  /**
   * A backlog read days after it was written: a device clock two days ahead is still in the past
   * by then, but it was in the future when the record was written, so it must not move the
   * watermark (it moved its partition's watermark two days ahead of the rest of the partition,
   * which all became late); a reading from before it was written still stamps its record.
   */
  @Test
  void testEventTimeAheadOfWhenTheRecordWasWrittenNeverMovesTheWatermark() {
    SerializableFunction<KafkaRecord<String, String>, Instant> stamp =
        source(FleetTopics.DOMAIN_EVENTS).payloadTime();
    Instant written = Instant.now().minus(Duration.standardDays(6));
    Instant deviceAhead = written.plus(Duration.standardDays(2));
    Instant onTime = written.minus(Duration.standardSeconds(1));

    assertThat(stamp.apply(writtenAt(written, bookingAt(deviceAhead))),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(stamp.apply(writtenAt(written, bookingAt(onTime))), is(onTime));
    // Appended by the broker: the same.
    assertThat(
        stamp.apply(new KafkaRecord<>(FleetTopics.DOMAIN_EVENTS, 0, 0L, written.getMillis(),
            KafkaTimestampType.LOG_APPEND_TIME, null, "k", bookingAt(deviceAhead))),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  private static KafkaRecord<String, String> writtenAt(Instant written, String payload) {
    return new KafkaRecord<>(FleetTopics.DOMAIN_EVENTS, 0, 0L, written.getMillis(),
        KafkaTimestampType.CREATE_TIME, null, "k", payload);
  }

  private static String bookingAt(Instant eventTime) {
    return EventJson.bookingToJson(
        BookingEvent.builder()
            .setEventId("e1")
            .setEventType(BookingEventType.BOOKING_CREATED)
            .setBookingId("b1")
            .setVehicleId("v1")
            .setLocationId("loc-ber-01")
            .setEventTime(eventTime)
            .setBookingStart(eventTime)
            .build());
  }
}
