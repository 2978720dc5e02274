package com.mobilitycorp.fleet.testing.stack;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real broker for the whole class (a start costs ~3 s); every test uses its own topics. */
class LocalKafkaTest {

  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path workDir;
  private static LocalKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = LocalKafka.start(workDir, 0);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void createTopicsIsIdempotent() throws Exception {
    Map<String, Integer> topics = Map.of("idem-a", 4, "idem-b", 2);
    kafka.createTopics(topics);
    kafka.createTopics(topics); // second call: topics exist, must not fail

    Map<String, Object> config =
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (Admin admin = Admin.create(config)) {
      Map<String, TopicDescription> described =
          admin.describeTopics(topics.keySet()).allTopicNames().get();
      Map<String, Integer> partitions =
          described.values().stream()
              .collect(Collectors.toMap(TopicDescription::name, d -> d.partitions().size()));
      assertThat(partitions, hasEntry("idem-a", 4));
      assertThat(partitions, hasEntry("idem-b", 2));
    }
  }

  @Test
  void producedRecordCanBeConsumed() throws Exception {
    String topic = "plain-" + UUID.randomUUID();
    kafka.createTopics(Map.of(topic, 1));
    try (KafkaProducer<String, String> producer = producer(null)) {
      producer.send(new ProducerRecord<>(topic, "vehicle-1", "hello fleet")).get();
    }
    assertThat(readAll(topic, "read_uncommitted", 1), contains("hello fleet"));
  }

  @Test
  void readCommittedSeesCommittedButNotAbortedTransactions() throws Exception {
    String topic = "tx-" + UUID.randomUUID();
    kafka.createTopics(Map.of(topic, 1));
    try (KafkaProducer<String, String> producer = producer("tx-" + UUID.randomUUID())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed"));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted"));
      producer.flush(); // the aborted record really reaches the log
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed-after-abort"));
      producer.commitTransaction();
    }
    // The last committed record is only visible once everything before it is decided, so reading
    // both committed values proves the aborted one in between was filtered, not just not yet read.
    assertThat(
        readAll(topic, "read_committed", 2), contains("committed", "committed-after-abort"));
    // ... and the aborted record is in the log: read_uncommitted returns it.
    assertThat(
        readAll(topic, "read_uncommitted", 3),
        contains("committed", "aborted", "committed-after-abort"));
  }

  @Test
  void killThenRestartKeepsCommittedRecords() throws Exception {
    String topic = "durable-" + UUID.randomUUID();
    kafka.createTopics(Map.of(topic, 2));
    try (KafkaProducer<String, String> producer = producer("durable-" + UUID.randomUUID())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "a", "before-kill-1"));
      producer.send(new ProducerRecord<>(topic, "b", "before-kill-2"));
      producer.commitTransaction();
    }

    kafka.kill();
    assertThat(kafka.isRunning(), is(false));
    kafka.restart();
    assertThat(kafka.isRunning(), is(true));

    assertThat(
        readAll(topic, "read_committed", 2), containsInAnyOrder("before-kill-1", "before-kill-2"));
    // The restarted broker also accepts new writes on the same topic.
    try (KafkaProducer<String, String> producer = producer(null)) {
      producer.send(new ProducerRecord<>(topic, "c", "after-restart")).get();
    }
    assertThat(
        readAll(topic, "read_committed", 3),
        containsInAnyOrder("before-kill-1", "before-kill-2", "after-restart"));
  }

  // ---------------------------------------------------------------------------------------------

  private static KafkaProducer<String, String> producer(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    if (transactionalId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /**
   * Reads {@code topic} from the beginning (no consumer group: partitions are assigned directly)
   * until {@code expected} values arrived, then polls once more to catch unexpected extras.
   */
  private static List<String> readAll(String topic, String isolationLevel, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
      for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(300))) {
        values.add(record.value());
      }
    }
    return values;
  }
}
