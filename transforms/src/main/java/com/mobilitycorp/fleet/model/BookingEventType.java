package com.mobilitycorp.fleet.model;

/** Booking lifecycle events published by the Booking Service on {@code domain.events}. */
public enum BookingEventType {
  /** A customer reserved the vehicle; it is held for them until the rental starts or is cancelled. */
  BOOKING_CREATED,
  /** The reservation was cancelled before the rental started. */
  BOOKING_CANCELLED,
  /** The customer unlocked the vehicle; the trip is on. */
  RENTAL_STARTED,
  /** The customer ended the trip and the vehicle was accepted back. */
  RETURN_COMPLETED
}
