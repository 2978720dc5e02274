package com.mobilitycorp.fleet.pipelines.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.transforms.DetectLowBattery;
import com.mobilitycorp.fleet.transforms.DetectLowBatteryModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Benchmark (not a test): how long from the telemetry reading that starts a low-battery episode
 * reaching Kafka (broker ack) until its LOW_BATTERY alert can be read from the {@code alerts}
 * topic, at 1,000 events/s (see {@link LiveFleetBench}). Which reading raises which alert comes
 * from {@link DetectLowBatteryModel} fed the same stream in delivery order.
 */
public final class TelemetryToAlertLatencyBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    try (LiveFleetBench bench =
        new LiveFleetBench(args, Path.of("bench/results/telemetry-to-alert-latency.md"))) {
      bench.startJob("alert-latency-bench");
      Map<String, Long> ackedAt = new ConcurrentHashMap<>();
      Map<String, Long> seenAt = new ConcurrentHashMap<>();
      Thread consumer =
          new Thread(() -> consumeAlerts(bench.kafka.bootstrapServers(), seenAt), "alert-reader");
      consumer.setDaemon(true);
      consumer.start();
      DetectLowBatteryModel model =
          new DetectLowBatteryModel(
              DetectLowBattery.DEFAULT_THRESHOLD_PCT, 0.0,
              DetectLowBattery.DEFAULT_ALLOWED_LATENESS);
      // The alert ids seen so far; compared only when the model's count changes. (Copying the
      // model's whole set for every reading made this sender too slow for 1,000 events/s.)
      Set<String> known = new HashSet<>();
      bench.sendPaced(
          (m, measured) -> {
            if (m.kind() != SimulatedMessage.Kind.ORIGINAL || !m.isTelemetry()) {
              return null;
            }
            model.onReading(m.telemetry());
            if (model.published().size() == known.size()) {
              return null;
            }
            List<String> raised = new ArrayList<>();
            for (String id : model.published()) {
              if (known.add(id)) {
                raised.add(id);
              }
            }
            if (!measured) {
              return null;
            }
            return () -> raised.forEach(id -> ackedAt.put(id, System.currentTimeMillis()));
          });
      long deadline = System.currentTimeMillis() + 30_000;
      while (!seenAt.keySet().containsAll(ackedAt.keySet())
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      int unresolved = 0;
      for (Map.Entry<String, Long> acked : ackedAt.entrySet()) {
        Long seen = seenAt.get(acked.getKey());
        if (seen == null) {
          unresolved++;
        } else {
          latencies.add(seen - acked.getValue());
        }
      }
      bench.write(
          bench.report(
              "Telemetry -> LOW_BATTERY alert on Kafka: latency", latencies, "alerts",
              unresolved,
              "from the broker's ack of the reading that starts the episode (acks=all) to a"
                  + " consumer polling `alerts` receiving the alert, enriched from the vehicles"
                  + " and locations side inputs; the job runs its default topology (every use"
                  + " case) unless the extra options below turn parts off."));
    }
    System.exit(0); // embedded Flink leaves non-daemon threads behind
  }

  private static void consumeAlerts(String bootstrap, Map<String, Long> seenAt) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "alert-latency-reader");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Exactly-once output: an alert counts once its transaction committed.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(FleetTopics.ALERTS));
      while (true) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(5))) {
          long now = System.currentTimeMillis();
          seenAt.putIfAbsent(JSON.readTree(record.value()).get("alert_id").asText(), now);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("alert reader failed", e);
    }
  }

  private TelemetryToAlertLatencyBench() {}
}
