package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DemandWindow;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** Booking input for the demand tests: windows counted from T0 (a window boundary). */
final class DemandInput {
  static final Duration WINDOW = DetectDemandSpikes.DEFAULT_WINDOW_SIZE;

  private static int sequence;

  /** Start of the n-th window after T0. */
  static Instant window(int n) {
    return Events.T0.plus(WINDOW.multipliedBy(n));
  }

  /** A booking_created at {@code location}, {@code secondsIn} seconds into window n. */
  static BookingEvent created(String location, int n, long secondsIn) {
    Instant at = window(n).plus(Duration.standardSeconds(secondsIn));
    String id = "b" + (++sequence);
    return BookingEvent.builder()
        .setEventId(id)
        .setEventType(BookingEventType.BOOKING_CREATED)
        .setBookingId("BKG-" + id)
        .setVehicleId("v-" + id)
        .setLocationId(location)
        .setEventTime(at)
        .setBookingStart(at)
        .setBookingEnd(null)
        .build();
  }

  static TimestampedValue<BookingEvent> at(BookingEvent e) {
    return TimestampedValue.of(e, e.getEventTime());
  }

  /** {@code count} bookings spread over window n. */
  @SuppressWarnings("unchecked")
  static TimestampedValue<BookingEvent>[] bookings(String location, int n, int count) {
    TimestampedValue<BookingEvent>[] out = new TimestampedValue[count];
    for (int i = 0; i < count; i++) {
      out[i] = at(created(location, n, 10 + i * (WINDOW.getStandardSeconds() - 20) / count));
    }
    return out;
  }

  static Coder<BookingEvent> coder(Pipeline p) {
    try {
      return p.getSchemaRegistry().getSchemaCoder(BookingEvent.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "location@window start#revision count spike" for compact assertions. */
  static String describe(DemandWindow w) {
    return w.getLocationId() + "@" + w.getWindowStart() + "#" + w.getRevision() + " "
        + w.getBookingCount() + (w.getSpike() ? " spike" : "");
  }

  private DemandInput() {}
}
