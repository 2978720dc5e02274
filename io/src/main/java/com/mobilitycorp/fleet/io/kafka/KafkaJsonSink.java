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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes records to a Kafka topic as JSON, keyed (for partitioning and compaction) by the given
 * key, e.g. vehicle_id, so all records of one vehicle land on one partition. Counts what it hands
 * to Kafka in the metric {@code written_<topic>} (with exactly-once, a record replayed after a
 * failure is counted again but written once).
 *
 * <p><b>Exactly once</b> ({@link #withExactlyOnce}): KafkaIO's exactly-once sink writes in Kafka
 * transactions that commit only for input the runner has checkpointed (Flink: after the
 * checkpoint completes), with transactional ids {@code producer_<shard>_for_<sinkGroupId>} stable
 * across restarts, and the last committed sequence number per shard stored with the sink group's
 * offsets, so a replay after a crash is skipped rather than written twice. Consumers must read
 * with {@code isolation.level=read_committed}. The sink reshards its input, so two records of one
 * key may commit in different transactions in either order: every record carries its event time
 * or revision for consumers to keep the newest.
 */
public final class KafkaJsonSink<T> extends PTransform<PCollection<T>, PDone> {
  private final String bootstrapServers;
  private final String topic;
  private final SerializableFunction<T, String> key;
  private final SerializableFunction<T, String> json;
  private final int exactlyOnceShards;
  private final @Nullable String sinkGroupId;

  private KafkaJsonSink(
      String bootstrapServers,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, String> json,
      int exactlyOnceShards,
      @Nullable String sinkGroupId) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.key = key;
    this.json = json;
    this.exactlyOnceShards = exactlyOnceShards;
    this.sinkGroupId = sinkGroupId;
  }

  public static <T> KafkaJsonSink<T> of(
      String bootstrapServers,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, String> json) {
    return new KafkaJsonSink<>(bootstrapServers, topic, key, json, 0, null);
  }

  /**
   * Writes in Kafka transactions, exactly once per checkpointed input (see the class comment).
   *
   * @param shards concurrent transactional producers; at most the topic's partition count (each
   *     shard keeps its sequence number as the sink group's offset metadata of one partition)
   * @param sinkGroupId identity of this sink's transactional state: keep it when the job restarts
   *     from a checkpoint or savepoint, change it when the job starts from scratch (KafkaIO
   *     refuses a group with committed state but no matching job state)
   */
  public KafkaJsonSink<T> withExactlyOnce(int shards, String sinkGroupId) {
    if (shards < 1) {
      throw new IllegalArgumentException("exactly-once needs at least one shard: " + shards);
    }
    return new KafkaJsonSink<>(bootstrapServers, topic, key, json, shards, sinkGroupId);
  }

  @Override
  public PDone expand(PCollection<T> input) {
    SerializableFunction<T, String> keyFn = key;
    SerializableFunction<T, String> jsonFn = json;
    // Created once: Beam counters are serializable handles, not per-record lookups.
    Counter written = Metrics.counter(KafkaJsonSink.class, "written_" + topic);
    KafkaIO.Write<String, String> write =
        KafkaIO.<String, String>write()
            .withBootstrapServers(bootstrapServers)
            .withTopic(topic)
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(StringSerializer.class);
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
        .apply("WriteToKafka", sinkGroupId == null ? write : write.withEOS(exactlyOnceShards, sinkGroupId));
  }
}
