package com.mobilitycorp.fleet.model;

/**
 * A vehicle's availability, in the Open Mobility Foundation's MDS vocabulary (the read model can
 * feed a GBFS feed: {@code is_reserved} and {@code is_disabled} follow from it).
 */
public enum VehicleStatus {
  /** Rentable now: no open booking and operational. */
  AVAILABLE,
  /** Held by a booking that has not started yet (booking_created). */
  RESERVED,
  /** Rented and under way (rental_started, no return yet). */
  ON_TRIP,
  /** Not rentable: maintenance, out of service (or, while charging, any non-operational state). */
  NON_OPERATIONAL;

  /** GBFS {@code is_reserved}: a customer holds the vehicle. */
  public boolean isReserved() {
    return this == RESERVED || this == ON_TRIP;
  }

  /** GBFS {@code is_disabled}: the vehicle cannot be rented for technical reasons. */
  public boolean isDisabled() {
    return this == NON_OPERATIONAL;
  }
}
