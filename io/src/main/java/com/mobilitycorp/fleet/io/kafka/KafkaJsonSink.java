package com.mobilitycorp.fleet.io.kafka;

import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes records to a Kafka topic as JSON, keyed (for partitioning and compaction) by the given
 * key, e.g. vehicle_id, so all records of one vehicle stay in order on one partition. Counts what
 * it hands to Kafka in the metric {@code written_<topic>}.
 */
public final class KafkaJsonSink<T> extends PTransform<PCollection<T>, PDone> {
  private final String bootstrapServers;
  private final String topic;
  private final SerializableFunction<T, String> key;
  private final SerializableFunction<T, String> json;

  private KafkaJsonSink(
      String bootstrapServers,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, String> json) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.key = key;
    this.json = json;
  }

  public static <T> KafkaJsonSink<T> of(
      String bootstrapServers,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, String> json) {
    return new KafkaJsonSink<>(bootstrapServers, topic, key, json);
  }

  @Override
  public PDone expand(PCollection<T> input) {
    SerializableFunction<T, String> keyFn = key;
    SerializableFunction<T, String> jsonFn = json;
    // Created once: Beam counters are serializable handles, not per-record lookups.
    Counter written = Metrics.counter(KafkaJsonSink.class, "written_" + topic);
    return input
        .apply(
            "ToKeyedJson",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via(
                    (T record) -> {
                      written.inc();
                      return KV.of(keyFn.apply(record), jsonFn.apply(record));
                    }))
        .apply(
            "WriteToKafka",
            KafkaIO.<String, String>write()
                .withBootstrapServers(bootstrapServers)
                .withTopic(topic)
                .withKeySerializer(StringSerializer.class)
                .withValueSerializer(StringSerializer.class));
  }
}
