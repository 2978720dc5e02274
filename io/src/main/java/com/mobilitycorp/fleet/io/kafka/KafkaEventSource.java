package com.mobilitycorp.fleet.io.kafka;

import com.mobilitycorp.fleet.io.json.EventJson;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.CustomTimestampPolicyWithLimitedDelay;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads one JSON topic with KafkaIO, stamping each record with the timestamp in its payload: {@code
 * event_time} by default, {@code observed_at} for weather ({@link #withTimestampField}). The
 * watermark is Beam's {@link CustomTimestampPolicyWithLimitedDelay}: the largest event time seen
 * minus {@code maxDisorder}, capped at now, and advanced to now minus {@code maxDisorder} on an
 * idle partition.
 *
 * <p>Records keep their Kafka metadata (topic, partition, offset) so that a record that fails
 * decoding can be dead-lettered with its origin.
 */
public final class KafkaEventSource
    extends PTransform<PBegin, PCollection<KafkaRecord<String, String>>> {

  private final String bootstrapServers;
  private final String topic;
  private final String consumerGroup;
  private final Duration maxDisorder;
  private final Duration maxFutureSkew;
  private final String timestampField;

  private KafkaEventSource(
      String bootstrapServers,
      String topic,
      String consumerGroup,
      Duration maxDisorder,
      Duration maxFutureSkew,
      String timestampField) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.consumerGroup = consumerGroup;
    this.maxDisorder = maxDisorder;
    this.maxFutureSkew = maxFutureSkew;
    this.timestampField = timestampField;
  }

  /**
   * @param maxDisorder how far behind the newest event an event may still arrive before the
   *     watermark passes it (the allowed disorder, 5 minutes for the fleet's IoT units)
   * @param maxFutureSkew event times further ahead of the wall clock are not trusted for the
   *     watermark (the decoder dead-letters them with the same limit)
   */
  public static KafkaEventSource of(
      String bootstrapServers,
      String topic,
      String consumerGroup,
      Duration maxDisorder,
      Duration maxFutureSkew) {
    return new KafkaEventSource(
        bootstrapServers,
        topic,
        consumerGroup,
        maxDisorder,
        maxFutureSkew,
        EventJson.EVENT_TIME_FIELD);
  }

  /**
   * Takes the record timestamps from this top-level field of the payload instead of {@code
   * event_time}: {@link EventJson#OBSERVED_AT_FIELD} for {@code weather.observations}.
   */
  public KafkaEventSource withTimestampField(String field) {
    return new KafkaEventSource(
        bootstrapServers, topic, consumerGroup, maxDisorder, maxFutureSkew, field);
  }

  /** The record timestamps the watermark policy is fed with. */
  SerializableFunction<KafkaRecord<String, String>, Instant> payloadTime() {
    return new PayloadEventTime(timestampField, maxFutureSkew);
  }

  @Override
  public PCollection<KafkaRecord<String, String>> expand(PBegin input) {
    Duration disorder = maxDisorder;
    SerializableFunction<KafkaRecord<String, String>, Instant> eventTime = payloadTime();
    Map<String, Object> consumerConfig = new HashMap<>();
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Upstream producers may be transactional; never process what they aborted.
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return input.apply(
        "ReadFromKafka",
        KafkaIO.<String, String>read()
            .withBootstrapServers(bootstrapServers)
            .withTopic(topic)
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(StringDeserializer.class)
            .withConsumerConfigUpdates(consumerConfig)
            // Offsets live in Beam's checkpoints; committing them too lets ops watch consumer lag.
            .commitOffsetsInFinalize()
            .withTimestampPolicyFactory(
                (partition, previousWatermark) ->
                    new CustomTimestampPolicyWithLimitedDelay<>(
                        eventTime, disorder, previousWatermark)));
  }

  /**
   * The payload's timestamp field (event_time, observed_at); for a record without a plausible one
   * (unparseable, or more than the skew ahead of the earlier of the wall clock and the record's
   * Kafka timestamp, see {@link DecodeEvents#clockOf}) the minimum timestamp, which never advances
   * the watermark. Such records are dead-lettered by the decoder; they must not move event time
   * for the rest.
   */
  static final class PayloadEventTime
      implements SerializableFunction<KafkaRecord<String, String>, Instant> {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final Duration maxFutureSkew;

    PayloadEventTime(String field, Duration maxFutureSkew) {
      this.field = field;
      this.maxFutureSkew = maxFutureSkew;
    }

    @Override
    public Instant apply(KafkaRecord<String, String> record) {
      Instant eventTime = EventJson.peekTimestamp(record.getKV().getValue(), field);
      if (eventTime == null
          || eventTime.isAfter(DecodeEvents.clockOf(record, Instant.now()).plus(maxFutureSkew))) {
        return BoundedWindow.TIMESTAMP_MIN_VALUE;
      }
      return eventTime;
    }
  }
}
