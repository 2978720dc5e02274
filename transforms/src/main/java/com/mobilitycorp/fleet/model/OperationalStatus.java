package com.mobilitycorp.fleet.model;

/**
 * The vehicle's own report of whether it can be rented, independent of bookings. Wire values are
 * the lower-case names ({@code "operational"}, {@code "out_of_service"}, ...).
 */
public enum OperationalStatus {
  /** Rentable as far as the vehicle knows. */
  OPERATIONAL,
  /** Docked or being charged/swapped by ops; not rentable until it reports operational again. */
  CHARGING,
  /** Flagged for repair (fault code, damage report). */
  MAINTENANCE,
  /** Taken out of the fleet (stolen, impounded, decommissioned). */
  OUT_OF_SERVICE;

  /** The MDS notion: anything but operational cannot be offered to customers. */
  public boolean isRentable() {
    return this == OPERATIONAL;
  }
}
