package com.mobilitycorp.fleet.testing.simulator;

import java.util.List;

/**
 * Ground truth of one configured {@link DemandSurge}, as far as the simulation has got: how many
 * of its extra requests have happened and which bookings they created. {@link
 * FleetSimulator#demandSurges()} lists one per configured surge, in config order.
 *
 * <p>Every id in {@link #bookingIds()} is the booking_id of exactly one booking_created event,
 * with the surge's location as its location_id and an event time within {@code [surge.start(),
 * surge.end())}; no natural booking has one of these ids. So the booking_created events of that
 * location and interval are the natural ones plus exactly {@link #served()} surge ones.
 *
 * @param surge the configured surge
 * @param requests surge requests made so far (all {@code surge.extraRequests()} once the model's
 *     clock has passed the surge's end; fewer while it is in progress, and fewer for good when the
 *     run ended during the surge)
 * @param unserved of those, the requests that found no bookable vehicle in the zone (lost)
 * @param bookingIds the bookings the served requests created, in creation (event-time) order
 */
public record DemandSurgeOutcome(
    DemandSurge surge, int requests, int unserved, List<String> bookingIds) {

  public DemandSurgeOutcome {
    bookingIds = List.copyOf(bookingIds);
  }

  /** Requests that created a booking: {@code bookingIds().size() == requests() - unserved()}. */
  public int served() {
    return bookingIds.size();
  }

  /** Whether every extra request of the surge has happened and booked a vehicle. */
  public boolean fullyServed() {
    return served() == surge.extraRequests();
  }
}
