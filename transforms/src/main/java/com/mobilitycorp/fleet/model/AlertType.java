package com.mobilitycorp.fleet.model;

/** Every kind of alert on the {@code alerts} topic. */
public enum AlertType {
  /** A vehicle's battery fell below the threshold (one per episode and 5-minute window). */
  LOW_BATTERY,
  /** A vehicle left its city's operating area (one per excursion). */
  GEOFENCE_VIOLATION,
  /** A parked vehicle's battery drains far faster than its type's normal rate. */
  BATTERY_DRAIN,
  /** A location's bookings in a 15-minute window far exceed its recent average. */
  DEMAND_SPIKE
}
