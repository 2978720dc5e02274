package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.OperationalStatus;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The true state of one vehicle as the generated events (in event time, not delivery order) say it
 * is: what a correct inventory pipeline must end up with once every valid event has been processed.
 *
 * <p>Derivation, from the vehicle's last booking event and last telemetry event by event time: an
 * open booking (last booking event {@code booking_created}) means {@link Status#RESERVED}, {@code
 * rental_started} means {@link Status#ON_TRIP}; otherwise (no booking event yet, or the last one is
 * {@code booking_cancelled} / {@code return_completed}) the last telemetry's operational_status
 * decides: anything but operational is {@link Status#NON_OPERATIONAL}, else {@link
 * Status#AVAILABLE}.
 *
 * @param lat latitude of the last telemetry event (the initial parked position if none yet)
 * @param lon longitude of the last telemetry event (ditto)
 * @param batteryPct battery_pct of the last telemetry event (ditto)
 * @param operationalStatus operational_status of the last telemetry event
 * @param bookingId the open booking, null when there is none
 * @param lastEventTime event time of the vehicle's last event of either kind; null if none yet
 */
public record VehicleTruth(
    String vehicleId,
    Status status,
    double lat,
    double lon,
    double batteryPct,
    OperationalStatus operationalStatus,
    @Nullable String bookingId,
    @Nullable Instant lastEventTime) {

  /** MDS vehicle states (GBFS/MDS vocabulary). */
  public enum Status {
    AVAILABLE("available"),
    RESERVED("reserved"),
    ON_TRIP("on_trip"),
    NON_OPERATIONAL("non_operational");

    private final String mdsName;

    Status(String mdsName) {
      this.mdsName = mdsName;
    }

    /** The lower-case MDS name, e.g. {@code "on_trip"}. */
    public String mdsName() {
      return mdsName;
    }
  }

  /** The status rule documented on this class. */
  public static Status statusOf(
      @Nullable BookingEventType lastBookingEvent, OperationalStatus lastOperationalStatus) {
    if (lastBookingEvent == BookingEventType.BOOKING_CREATED) {
      return Status.RESERVED;
    }
    if (lastBookingEvent == BookingEventType.RENTAL_STARTED) {
      return Status.ON_TRIP;
    }
    return lastOperationalStatus.isRentable() ? Status.AVAILABLE : Status.NON_OPERATIONAL;
  }
}
