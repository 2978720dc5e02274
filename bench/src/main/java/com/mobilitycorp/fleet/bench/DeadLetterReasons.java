package com.mobilitycorp.fleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A run's dead letters counted by reason (and, for late events, by the stage whose window had
 * closed: the detail up to its first colon), so a bench result says why records were set aside,
 * not only how many; and the late ones also by the 10-minute slot of their event time (the
 * detail's "at ..."), which tells late events spread over the input from a stretch of it.
 */
final class DeadLetterReasons {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** "... at 2026-11-25T07:41:23.021Z ...": the event time a late event's detail names. */
  private static final Pattern EVENT_TIME = Pattern.compile(" at (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d)");

  /**
   * @param byReason dead letters per {@link #key}
   * @param lateByEventTime late dead letters per stage and 10-minute slot of their event time,
   *     e.g. "utilization hours 2026-11-25T07:40"
   */
  record Counts(Map<String, Long> byReason, Map<String, Long> lateByEventTime) {}

  /** Reads {@code topic} from its start to its end offsets at the time of the call. */
  static Counts count(String bootstrapServers, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, Long> lateByEventTime = new TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      var partitions = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          byReason.merge(key(r.value()), 1L, Long::sum);
          String slot = lateSlot(r.value());
          if (slot != null) {
            lateByEventTime.merge(slot, 1L, Long::sum);
          }
        }
      }
    }
    return new Counts(byReason, lateByEventTime);
  }

  /** "reason" or, for late events, "reason (stage)". */
  static String key(String deadLetterJson) {
    try {
      JsonNode d = JSON.readTree(deadLetterJson);
      String reason = d.path("reason").asText("?");
      String detail = d.path("detail").asText("");
      int colon = detail.indexOf(':');
      return reason.equals("late_beyond_allowed_lateness") && colon > 0
          ? reason + " (" + detail.substring(0, colon) + ")" : reason;
    } catch (Exception e) {
      return "not a dead letter: " + e.getClass().getSimpleName();
    }
  }

  /** For a late event: "stage yyyy-mm-ddThh:m0" (its event time's 10-minute slot); else null. */
  static String lateSlot(String deadLetterJson) {
    try {
      JsonNode d = JSON.readTree(deadLetterJson);
      String detail = d.path("detail").asText("");
      int colon = detail.indexOf(':');
      Matcher at = EVENT_TIME.matcher(detail);
      if (!d.path("reason").asText("").equals("late_beyond_allowed_lateness") || colon <= 0
          || !at.find()) {
        return null;
      }
      return detail.substring(0, colon) + " " + at.group(1) + "0";
    } catch (Exception e) {
      return null;
    }
  }

  private DeadLetterReasons() {}
}
