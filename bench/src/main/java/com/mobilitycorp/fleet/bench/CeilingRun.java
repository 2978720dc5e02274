package com.mobilitycorp.fleet.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One pass of the raw Kafka ceiling, in a JVM of its own (started by {@link RawKafkaCeiling}): a
 * plain KafkaConsumer reads every record of the input topics from the beginning, and in {@code
 * --mode=copy} a KafkaProducer writes each one (same key and value bytes) to {@code
 * --output-topic}; {@code --mode=consume} only reads. No Beam, no Flink, one thread (plus the
 * clients' own I/O threads). Writes the timings as JSON to {@code --result}.
 *
 * <p>The clock starts at the first poll, once the partitions are assigned and the producer has the
 * output topic's metadata, and stops when the last input record was received (consume) or when the
 * producer's flush returned, i.e. the broker acknowledged every copy (copy).
 */
public final class CeilingRun {

  public static void main(String[] args) throws Exception {
    BenchSupport.exitWithParent();
    Map<String, String> options = BenchSupport.parseOptions(args);
    boolean copy = switch (options.get("mode")) {
      case "copy" -> true;
      case "consume" -> false;
      default -> throw new IllegalArgumentException("--mode is copy or consume");
    };
    String bootstrap = options.get("bootstrap");
    List<String> inputTopics = List.of(options.get("input-topics").split(","));
    String outputTopic = options.get("output-topic");
    String group = options.get("group");
    Duration timeout = Duration.ofSeconds(Long.parseLong(options.get("timeout-seconds")));

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("mode", options.get("mode"));
    result.put("group", group);
    try {
      pass(bootstrap, inputTopics, copy ? outputTopic : null, group, timeout, result);
    } catch (Throwable t) {
      result.put("error", String.valueOf(t));
      t.printStackTrace();
    }
    BenchSupport.writeJson(java.nio.file.Path.of(options.get("result")), result);
    System.exit(result.containsKey("error") ? 1 : 0);
  }

  private static void pass(String bootstrap, List<String> inputTopics, String outputTopic,
      String group, Duration timeout, Map<String, Object> result) {
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // As the job's sources read (KafkaEventSource); the input has no transactions.
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaProducer<byte[], byte[]> producer = outputTopic == null ? null : new KafkaProducer<>(
        ThroughputInput.producerProperties(bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : inputTopics) {
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(topic, p.partition()));
        }
      }
      Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions);
      long expected = endOffsets.values().stream().mapToLong(Long::longValue).sum();
      // Assigned, not subscribed, as KafkaIO does: no group rebalance to wait for.
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      if (producer != null) {
        producer.partitionsFor(outputTopic); // metadata fetched before the clock starts
      }
      AtomicLong acknowledged = new AtomicLong();
      AtomicReference<Exception> failure = new AtomicReference<>();
      Set<TopicPartition> unfinished = new HashSet<>();
      endOffsets.forEach((tp, end) -> {
        if (end > 0) {
          unfinished.add(tp);
        }
      });
      long records = 0;
      long bytes = 0;
      long startNanos = System.nanoTime();
      long deadline = startNanos + timeout.toNanos();
      while (!unfinished.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          records++;
          bytes += r.serializedKeySize() + r.serializedValueSize();
          if (producer != null) {
            producer.send(new ProducerRecord<>(outputTopic, r.key(), r.value()),
                (metadata, error) -> {
                  if (error == null) {
                    acknowledged.incrementAndGet();
                  } else {
                    failure.compareAndSet(null, error);
                  }
                });
          }
        }
        unfinished.removeIf(tp -> consumer.position(tp) >= endOffsets.get(tp));
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("not every input record consumed within " + timeout
              + ": " + records + " of " + expected);
        }
      }
      long consumedNanos = System.nanoTime();
      if (producer != null) {
        producer.flush();
      }
      long endNanos = System.nanoTime();
      if (records != expected) {
        throw new IllegalStateException("consumed " + records + " records, the topics hold "
            + expected);
      }
      if (producer != null && (failure.get() != null || acknowledged.get() != records)) {
        throw new IllegalStateException("Kafka acknowledged " + acknowledged.get() + " of "
            + records + " copies", failure.get());
      }
      // After the clock: the fresh group keeps where it got to, as the job's group does.
      consumer.commitSync(Duration.ofSeconds(60));
      double seconds = (endNanos - startNanos) / 1e9;
      result.put("records", records);
      result.put("bytes", bytes);
      result.put("seconds", seconds);
      result.put("secondsToLastConsumed", (consumedNanos - startNanos) / 1e9);
      result.put("recordsPerSecond", records / seconds);
      result.put("megabytesPerSecond", bytes / 1e6 / seconds);
      if (producer != null) {
        result.put("acknowledged", acknowledged.get());
        result.put("outputTopic", outputTopic);
      }
    } finally {
      if (producer != null) {
        producer.close(Duration.ofSeconds(30));
      }
    }
  }

  private CeilingRun() {}
}
