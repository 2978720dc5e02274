package com.mobilitycorp.fleet.model;

/** Why an {@link InventoryUpdate} was published. */
public enum InventoryUpdateReason {
  /** The vehicle's status, booking or location changed (published at once). */
  STATUS_CHANGE,
  /**
   * A late event, older than what had already been published, changed the status: the update
   * corrects an earlier one (its revision is higher; its as_of may equal the earlier one's).
   */
  LATE_CORRECTION,
  /** Only position, battery or range changed (published at most once per vehicle per interval). */
  POSITION_REFRESH
}
