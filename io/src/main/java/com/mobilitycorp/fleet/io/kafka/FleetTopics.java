package com.mobilitycorp.fleet.io.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka topics of the fleet platform, with their default names. Pipelines take every name as
 * an option; these defaults are what the local stack creates.
 */
public final class FleetTopics {
  /** Vehicle telemetry from the IoT gateway (input). */
  public static final String VEHICLE_EVENTS_RAW = "veh.events.raw";
  /** Booking lifecycle events from the Booking Service (input). */
  public static final String DOMAIN_EVENTS = "domain.events";
  /** Weather observations per location (input). */
  public static final String WEATHER_OBSERVATIONS = "weather.observations";
  /** Records the pipeline rejected, with their reason and origin. */
  public static final String DEAD_LETTER = "dead.letter";
  /** Telemetry after validation and de-duplication. */
  public static final String TELEMETRY_DEDUPLICATED = "veh.events.deduplicated";
  /** Booking events after validation and de-duplication. */
  public static final String BOOKINGS_DEDUPLICATED = "domain.events.deduplicated";
  /** Telemetry with vehicle, zone, operating area and the weather valid at its event time. */
  public static final String TELEMETRY_ENRICHED = "veh.telemetry.enriched";
  /** Availability per vehicle. */
  public static final String INVENTORY_UPDATES = "veh.inventory.updates";
  /** Operational alerts of every type. */
  public static final String ALERTS = "alerts";
  /** Booking counts per location and 15-minute window. */
  public static final String DEMAND_WINDOWS = "demand.windows";
  /** Per-location metrics every minute. */
  public static final String LOCATION_METRICS_1M = "metrics.location.1m";

  /**
   * Partitions per topic for the local stack: 4, so a job can be rescaled up to parallelism 4
   * without idle readers; production sizes them in the capacity plan (README).
   */
  public static final int LOCAL_PARTITIONS = 4;

  /** Every topic with the partition count the local stack creates it with. */
  public static Map<String, Integer> all() {
    Map<String, Integer> topics = new LinkedHashMap<>();
    for (String topic :
        new String[] {
          VEHICLE_EVENTS_RAW,
          DOMAIN_EVENTS,
          WEATHER_OBSERVATIONS,
          DEAD_LETTER,
          TELEMETRY_DEDUPLICATED,
          BOOKINGS_DEDUPLICATED,
          TELEMETRY_ENRICHED,
          INVENTORY_UPDATES,
          ALERTS,
          DEMAND_WINDOWS,
          LOCATION_METRICS_1M
        }) {
      topics.put(topic, LOCAL_PARTITIONS);
    }
    return topics;
  }

  private FleetTopics() {}
}
