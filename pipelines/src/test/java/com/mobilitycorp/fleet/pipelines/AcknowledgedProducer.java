package com.mobilitycorp.fleet.pipelines;

import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The tests' input producer: {@link #flush} fails unless Kafka acknowledged every record sent. A
 * plain {@code send} reports a failed delivery only to its callback, so an input record whose
 * batch expired (a broker slowed down by a busy machine) would otherwise look like a record the
 * job lost or, worse, like a weather observation that never existed.
 */
final class AcknowledgedProducer implements AutoCloseable {
  private final KafkaProducer<String, String> producer;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

  AcknowledgedProducer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Kafka's default gives a batch 2 minutes; a broker starved of CPU by a busy machine took
    // longer and the batches expired (lost input, not the job's fault).
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "900000");
    producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Sends the record; its future tells where Kafka stored it. */
  Future<RecordMetadata> send(ProducerRecord<String, String> record) {
    sent.incrementAndGet();
    return producer.send(
        record,
        (metadata, error) -> {
          if (error == null) {
            acknowledged.incrementAndGet();
          } else {
            firstFailure.compareAndSet(null, error);
          }
        });
  }

  /** Waits for every record sent so far; fails if any was not acknowledged. */
  void flush() {
    producer.flush();
    Exception failure = firstFailure.get();
    if (failure != null || acknowledged.get() != sent.get()) {
      throw new AssertionError(
          "Kafka acknowledged " + acknowledged.get() + " of " + sent.get() + " input records",
          failure);
    }
  }

  long sent() {
    return sent.get();
  }

  @Override
  public void close() {
    producer.close();
  }
}
