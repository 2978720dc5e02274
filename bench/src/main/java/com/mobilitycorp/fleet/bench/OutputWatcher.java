package com.mobilitycorp.fleet.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows a run's de-duplicated output topic and tells when it holds every unique event_id of
 * the input: then the job has consumed every input record (each input is an id, and the first copy
 * of each id is published). The completion time is the broker's append time of the newest of those
 * first copies, so neither this watcher's polling nor checkpoint intervals add to it.
 */
final class OutputWatcher implements AutoCloseable {

  private final String bootstrapServers;
  private final String topic;
  private final long expectedIds;
  private final CountDownLatch complete = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Throwable failure;

  // Written by the watcher thread only; read after complete or after close() joined it.
  private final Set<String> seenIds = new HashSet<>();
  private long records;
  private long recordsWithoutId;
  private long recordsNotLogAppendTime;
  private long firstAppendMillis = Long.MAX_VALUE;
  private long newestFirstCopyMillis = Long.MIN_VALUE;
  private volatile long completedAtMillis = -1;

  OutputWatcher(String bootstrapServers, String topic, long expectedIds) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.expectedIds = expectedIds;
    this.thread = new Thread(this::follow, "output-watcher-" + topic);
    thread.setDaemon(true);
  }

  OutputWatcher start() {
    thread.start();
    return this;
  }

  /** Waits until every expected id has been published; false on timeout. */
  boolean awaitComplete(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (complete.await(200, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (failure != null) {
        throw new IllegalStateException("output watcher failed", failure);
      }
    }
    return false;
  }

  /** The append time of the newest first copy, once complete; -1 before. */
  long completedAtMillis() {
    return completedAtMillis;
  }

  /** Stops following and returns what was seen (call once; it joins the thread). */
  Seen stop() throws InterruptedException {
    stopped = true;
    thread.join(TimeUnit.SECONDS.toMillis(30));
    return new Seen(records, seenIds.size(), recordsWithoutId, recordsNotLogAppendTime,
        firstAppendMillis == Long.MAX_VALUE ? -1 : firstAppendMillis, completedAtMillis);
  }

  @Override
  public void close() throws InterruptedException {
    if (!stopped) {
      stop();
    }
  }

  /** What the watched topic held when it was stopped. */
  record Seen(
      long records,
      long distinctIds,
      long recordsWithoutId,
      long recordsNotLogAppendTime,
      long firstAppendMillis,
      long completedAtMillis) {}

  private void follow() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!stopped) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
          see(record);
        }
        if (completedAtMillis < 0 && seenIds.size() >= expectedIds) {
          completedAtMillis = newestFirstCopyMillis;
          complete.countDown();
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  private void see(ConsumerRecord<String, String> record) {
    records++;
    if (record.timestampType() != TimestampType.LOG_APPEND_TIME) {
      recordsNotLogAppendTime++;
    }
    firstAppendMillis = Math.min(firstAppendMillis, record.timestamp());
    String id = EventIds.eventId(record.value());
    if (id == null) {
      recordsWithoutId++;
    } else if (seenIds.add(id)) {
      newestFirstCopyMillis = Math.max(newestFirstCopyMillis, record.timestamp());
    }
  }
}
