package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.joda.time.Instant;

/**
 * The latency bench's telemetry → LOW_BATTERY clock. An alert names its episode's first reading
 * (vehicle_id and event_time), so each alert seen is paired with that reading's ack. Which alerts
 * were due (for the unseen count) is the reference model's call, fed in send order; its ids are
 * not used to pair: the job's readings reach the rule in another order than they were sent, so
 * there an id can be raised by an earlier reading than in the model (pairing by the model's ids
 * once gave negative latencies).
 */
final class AlertLatencies {
  /** A LOW_BATTERY alert first seen at {@code at}; its episode's first reading. */
  private record Seen(long at, String firstReading) {}

  private final Map<String, AtomicLong> lowReadingAckedAt = new ConcurrentHashMap<>();
  private final Set<String> due = ConcurrentHashMap.newKeySet();
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  /**
   * A measured reading below the threshold is about to be sent; set the returned clock to its
   * ack time (epoch millis). Registered before the send so an alert seen first still pairs.
   */
  AtomicLong lowReadingSent(String vehicleId, Instant eventTime) {
    return lowReadingAckedAt.computeIfAbsent(key(vehicleId, eventTime), k -> new AtomicLong());
  }

  /** The reference model raised this alert on a measured reading. */
  void due(String alertId) {
    due.add(alertId);
  }

  /** An alert read from the alerts topic at {@code at}; other types and repeats are ignored. */
  void seen(Alert alert, long at) {
    if (alert.getType() == AlertType.LOW_BATTERY && alert.getVehicleId() != null) {
      seen.putIfAbsent(alert.getAlertId(), new Seen(at, key(alert.getVehicleId(),
          alert.getEventTime())));
    }
  }

  boolean allDueSeen() {
    return seen.keySet().containsAll(due);
  }

  /** Seen minus ack, for each alert whose first reading was measured and acknowledged. */
  List<Long> latencies() {
    List<Long> latencies = new ArrayList<>();
    seen.values().forEach(s -> {
      AtomicLong acked = lowReadingAckedAt.get(s.firstReading());
      if (acked != null && acked.get() > 0) {
        latencies.add(s.at() - acked.get());
      }
    });
    return latencies;
  }

  /** Alerts due that were never seen. */
  int unseen() {
    return (int) due.stream().filter(id -> !seen.containsKey(id)).count();
  }

  private static String key(String vehicleId, Instant eventTime) {
    return vehicleId + "@" + eventTime.getMillis();
  }
}
