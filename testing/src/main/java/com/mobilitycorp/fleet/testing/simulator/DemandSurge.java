package com.mobilitycorp.fleet.testing.simulator;

import java.util.Objects;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A demand surge to inject ({@link SimulatorConfig.Builder#demandSurge(DemandSurge)}): {@code
 * extraRequests} booking requests at location {@code locationId} on top of the natural demand, at
 * times drawn uniformly over {@code [start, start + duration)} (millisecond resolution, from a
 * random stream of the surges' own). Each request is handled exactly like a natural request of
 * that zone: it books a random bookable vehicle parked there (operational, battery >= 20%, no
 * pending maintenance, not reserved or rented) or, when there is none, it is lost (unserved). A
 * booked surge request is an ordinary booking from then on: booking_created with the zone as its
 * location_id, then rental_started or booking_cancelled 1-10 min later, and so on.
 *
 * <p>So a zone can serve only as many surge requests as it has bookable vehicles (plus those that
 * return to it during the surge, less those natural requests take). Ground truth of what a surge
 * did: {@link FleetSimulator#demandSurges()}.
 *
 * <p>Text form (CLI {@code --surge}, {@link #parse}, {@link #toSpec}): {@code
 * <location_id>@<ISO-8601 instant>/<ISO-8601 duration>/<extra requests>}, e.g. {@code
 * loc-ber-03@2026-11-30T07:30:00Z/PT10M/25}.
 *
 * @param locationId one of the simulator's location ids (checked by {@link
 *     SimulatorConfig.Builder#build()})
 * @param start the first instant a surge request may happen; at or after the simulation start
 * @param duration positive; the requests happen strictly before {@code start + duration}
 * @param extraRequests how many requests the surge adds, >= 1
 */
public record DemandSurge(String locationId, Instant start, Duration duration, int extraRequests) {

  public DemandSurge {
    Objects.requireNonNull(locationId, "locationId");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(duration, "duration");
    if (locationId.isEmpty()) {
      throw new IllegalArgumentException("a demand surge needs a location id");
    }
    if (duration.getMillis() <= 0) {
      throw new IllegalArgumentException(
          "demand surge at " + locationId + ": duration must be positive, was " + duration);
    }
    if (extraRequests < 1) {
      throw new IllegalArgumentException(
          "demand surge at " + locationId + ": extra requests must be >= 1, was " + extraRequests);
    }
  }

  /** The end of the surge's interval (exclusive): {@code start + duration}. */
  public Instant end() {
    return start.plus(duration);
  }

  /** Whether {@code t} lies in {@code [start, end)}. */
  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end());
  }

  /**
   * Parses the text form {@code <location_id>@<ISO instant>/<ISO duration>/<extra requests>}, e.g.
   * {@code loc-ber-03@2026-11-30T07:30:00Z/PT10M/25}. Whether the location exists is checked when
   * the config is built.
   *
   * @throws IllegalArgumentException with what is wrong and the expected form
   */
  public static DemandSurge parse(String spec) {
    String form =
        "expected <location_id>@<ISO instant>/<ISO duration>/<count>, e.g."
            + " loc-ber-03@2026-11-30T07:30:00Z/PT10M/25; got '"
            + spec
            + "'";
    int at = spec.indexOf('@');
    if (at <= 0) {
      throw new IllegalArgumentException("demand surge: no location id before '@': " + form);
    }
    String location = spec.substring(0, at);
    String[] parts = spec.substring(at + 1).split("/", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "demand surge: need start, duration and count separated by '/': " + form);
    }
    Instant start;
    try {
      start = new Instant(java.time.Instant.parse(parts[0]).toEpochMilli());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(
          "demand surge: start '" + parts[0] + "' is not an ISO-8601 instant: " + form);
    }
    Duration duration;
    try {
      duration = Duration.millis(java.time.Duration.parse(parts[1]).toMillis());
    } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "demand surge: duration '" + parts[1] + "' is not an ISO-8601 duration like PT10M: " + form);
    }
    int count;
    try {
      count = Integer.parseInt(parts[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "demand surge: count '" + parts[2] + "' is not an integer: " + form);
    }
    return new DemandSurge(location, start, duration, count);
  }

  /** The text form {@link #parse} reads, e.g. {@code loc-ber-03@2026-11-30T07:30:00Z/PT10M/25}. */
  public String toSpec() {
    return locationId
        + "@"
        + java.time.Instant.ofEpochMilli(start.getMillis())
        + "/"
        + java.time.Duration.ofMillis(duration.getMillis())
        + "/"
        + extraRequests;
  }

  @Override
  public String toString() {
    return toSpec();
  }
}
