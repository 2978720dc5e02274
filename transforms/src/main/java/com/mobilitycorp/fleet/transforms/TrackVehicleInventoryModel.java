package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link TrackVehicleInventory}'s rule, written as a batch
 * recomputation rather than a state machine (as Beam's Nexmark pairs each query with a model): it
 * remembers every event and, when asked, derives each vehicle's state from all of them at once.
 *
 * <p>Rule: the state is derived from the vehicle's latest telemetry and latest booking event by
 * event time (booking ties: later booking start, then lifecycle order created &lt; started &lt;
 * ended, then event id; telemetry ties: event id). An open booking makes the vehicle reserved
 * (created) or on trip (started); otherwise operational telemetry (or none) means available and
 * any other operational status non_operational. as_of is the newest event time of either kind.
 *
 * <p>Not modelled: idle expiry (7 days of silence), and re-sent copies (the transform's input is
 * already de-duplicated; a copy is identical to its original, so it never changes the answer).
 */
public final class TrackVehicleInventoryModel {
  private final Map<String, List<TelemetryEvent>> telemetry = new LinkedHashMap<>();
  private final Map<String, List<BookingEvent>> bookings = new LinkedHashMap<>();

  public void onTelemetry(TelemetryEvent event) {
    telemetry.computeIfAbsent(event.getVehicleId(), v -> new ArrayList<>()).add(event);
  }

  public void onBooking(BookingEvent event) {
    bookings.computeIfAbsent(event.getVehicleId(), v -> new ArrayList<>()).add(event);
  }

  /** Every vehicle seen so far. */
  public Set<String> vehicles() {
    Set<String> all = new HashSet<>(telemetry.keySet());
    all.addAll(bookings.keySet());
    return all;
  }

  /**
   * The state the transform's last update for {@code vehicleId} must show; revision and reason
   * are not part of the rule (they depend on arrival order) and are set to 0 / STATUS_CHANGE.
   */
  public InventoryUpdate finalState(String vehicleId) {
    TelemetryEvent lastTelemetry = null;
    for (TelemetryEvent e : telemetry.getOrDefault(vehicleId, List.of())) {
      if (lastTelemetry == null
          || e.getEventTime().isAfter(lastTelemetry.getEventTime())
          || (e.getEventTime().equals(lastTelemetry.getEventTime())
              && e.getEventId().compareTo(lastTelemetry.getEventId()) > 0)) {
        lastTelemetry = e;
      }
    }
    BookingEvent lastBooking = null;
    for (BookingEvent e : bookings.getOrDefault(vehicleId, List.of())) {
      if (lastBooking == null || laterBookingEvent(e, lastBooking)) {
        lastBooking = e;
      }
    }
    if (lastTelemetry == null && lastBooking == null) {
      throw new IllegalArgumentException("no events for " + vehicleId);
    }

    VehicleStatus status;
    String bookingId = null;
    if (lastBooking != null && lastBooking.getEventType() == BookingEventType.BOOKING_CREATED) {
      status = VehicleStatus.RESERVED;
      bookingId = lastBooking.getBookingId();
    } else if (lastBooking != null
        && lastBooking.getEventType() == BookingEventType.RENTAL_STARTED) {
      status = VehicleStatus.ON_TRIP;
      bookingId = lastBooking.getBookingId();
    } else if (lastTelemetry != null && !lastTelemetry.getOperationalStatus().isRentable()) {
      status = VehicleStatus.NON_OPERATIONAL;
    } else {
      status = VehicleStatus.AVAILABLE;
    }
    Instant asOf = max(lastTelemetry == null ? null : lastTelemetry.getEventTime(),
        lastBooking == null ? null : lastBooking.getEventTime());
    InventoryUpdate.Builder state =
        InventoryUpdate.builder()
            .setVehicleId(vehicleId)
            .setStatus(status)
            .setBookingId(bookingId)
            .setLocationId(lastBooking == null ? null : lastBooking.getLocationId())
            .setAsOf(asOf)
            .setRevision(0)
            .setReason(InventoryUpdateReason.STATUS_CHANGE);
    if (lastTelemetry != null) {
      state
          .setLat(lastTelemetry.getLat())
          .setLon(lastTelemetry.getLon())
          .setBatteryPct(lastTelemetry.getBatteryPct())
          .setEstimatedRangeM(lastTelemetry.getEstimatedRangeM())
          .setOperationalStatus(lastTelemetry.getOperationalStatus())
          .setLastReported(lastTelemetry.getEventTime());
    }
    return state.build();
  }

  private static boolean laterBookingEvent(BookingEvent a, BookingEvent b) {
    if (!a.getEventTime().equals(b.getEventTime())) {
      return a.getEventTime().isAfter(b.getEventTime());
    }
    if (!a.getBookingStart().equals(b.getBookingStart())) {
      return a.getBookingStart().isAfter(b.getBookingStart());
    }
    int phaseA = phase(a.getEventType());
    int phaseB = phase(b.getEventType());
    if (phaseA != phaseB) {
      return phaseA > phaseB;
    }
    return a.getEventId().compareTo(b.getEventId()) > 0;
  }

  private static int phase(BookingEventType type) {
    return type == BookingEventType.BOOKING_CREATED
        ? 0
        : type == BookingEventType.RENTAL_STARTED ? 1 : 2;
  }

  private static Instant max(@Nullable Instant a, @Nullable Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }
}
