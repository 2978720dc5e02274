package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import java.util.Locale;

/** The two queries compared, each with the one input topic it reads. */
enum Query {
  /** Telemetry de-duplicated by event_id, published to a Kafka topic. */
  DEDUP(FleetTopics.VEHICLE_EVENTS_RAW),
  /**
   * Booking events de-duplicated and published (the Beam job always does this before its demand
   * stage, so the native job does it too), and booking_created counted per location in 15-minute
   * tumbling event-time windows.
   */
  DEMAND(FleetTopics.DOMAIN_EVENTS);

  final String inputTopic;

  Query(String inputTopic) {
    this.inputTopic = inputTopic;
  }

  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Query of(String id) {
    return valueOf(id.trim().toUpperCase(Locale.ROOT));
  }
}
