package com.mobilitycorp.fleet.pipelines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads output topics as a downstream consumer would (read_committed), collecting every record.
 * Waiting is by polling Kafka until a condition holds or a deadline passes, never by sleeping.
 */
final class KafkaTopicReader implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final Map<String, List<ConsumerRecord<String, String>>> records = new HashMap<>();

  KafkaTopicReader(String bootstrapServers, List<String> topics) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      records.put(topic, new ArrayList<>());
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  List<ConsumerRecord<String, String>> records(String topic) {
    return records.get(topic);
  }

  /** Polls until {@code done} holds; fails after {@code timeout}. */
  void pollUntil(BooleanSupplier done, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; have " + counts());
      }
      pollOnce();
    }
  }

  /** Reads everything committed up to now: polls until the position reaches every end offset. */
  void readToEnd(Duration timeout) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    pollUntil(
        () -> end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
        timeout,
        "end offsets " + end);
  }

  Map<String, Integer> counts() {
    Map<String, Integer> counts = new HashMap<>();
    records.forEach((topic, list) -> counts.put(topic, list.size()));
    return counts;
  }

  private void pollOnce() {
    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
      records.get(record.topic()).add(record);
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
