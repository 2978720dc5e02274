package com.mobilitycorp.fleet.model;

import org.joda.time.Instant;

/** What every per-vehicle event has: the key it is partitioned by, its identity and its event time. */
public interface VehicleEvent {
  /** Unique per message; a modem that resends a message resends the same id. */
  String getEventId();

  String getVehicleId();

  /** When the event happened, by the device's (or service's) clock. */
  Instant getEventTime();
}
