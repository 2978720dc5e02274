package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Feeds telemetry and booking events through ONE TestStream (so their relative order and the
 * watermark are under the test's control) and splits them into the transform's two inputs.
 */
final class InventoryInput {
  private static final int TELEMETRY = 0;
  private static final int BOOKING = 1;

  static Coder<RawUnionValue> coder(Pipeline p) {
    try {
      return UnionCoder.of(
          List.<Coder<?>>of(
              p.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class),
              p.getSchemaRegistry().getSchemaCoder(BookingEvent.class)));
    } catch (NoSuchSchemaException e) {
      throw new AssertionError(e);
    }
  }

  static TestStream.Builder<RawUnionValue> stream(Pipeline p) {
    return TestStream.create(coder(p));
  }

  static TimestampedValue<RawUnionValue> signal(TelemetryEvent e) {
    return TimestampedValue.of(new RawUnionValue(TELEMETRY, e), e.getEventTime());
  }

  static TimestampedValue<RawUnionValue> signal(BookingEvent e) {
    return TimestampedValue.of(new RawUnionValue(BOOKING, e), e.getEventTime());
  }

  /** Splits the stream into the tuple {@link TrackVehicleInventory} expects. */
  static PCollectionTuple split(Pipeline p, TestStream<RawUnionValue> stream) throws Exception {
    PCollection<RawUnionValue> signals = p.apply("Signals", stream);
    PCollection<TelemetryEvent> telemetry =
        signals
            .apply("OnlyTelemetry", Filter.by(s -> s.getUnionTag() == TELEMETRY))
            .apply(
                "AsTelemetry",
                MapElements.into(TypeDescriptor.of(TelemetryEvent.class))
                    .via(s -> (TelemetryEvent) s.getValue()))
            .setCoder(p.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class));
    PCollection<BookingEvent> bookings =
        signals
            .apply("OnlyBookings", Filter.by(s -> s.getUnionTag() == BOOKING))
            .apply(
                "AsBookings",
                MapElements.into(TypeDescriptor.of(BookingEvent.class))
                    .via(s -> (BookingEvent) s.getValue()))
            .setCoder(p.getSchemaRegistry().getSchemaCoder(BookingEvent.class));
    return PCollectionTuple.of(TrackVehicleInventory.TELEMETRY, telemetry)
        .and(TrackVehicleInventory.BOOKINGS, bookings);
  }

  static TelemetryEvent telemetry(
      String vehicleId, String eventId, Instant at, double lat, double battery,
      OperationalStatus status) {
    return TelemetryEvent.builder()
        .setEventId(eventId)
        .setVehicleId(vehicleId)
        .setEventTime(at)
        .setLat(lat)
        .setLon(13.4)
        .setBatteryPct(battery)
        .setOperationalStatus(status)
        .setEstimatedRangeM(battery * 400)
        .build();
  }

  static TelemetryEvent telemetry(String vehicleId, String eventId, Instant at, double lat) {
    return telemetry(vehicleId, eventId, at, lat, 80, OperationalStatus.OPERATIONAL);
  }

  static BookingEvent booking(
      String vehicleId, String eventId, BookingEventType type, String bookingId,
      String locationId, Instant at, Instant bookingStart, @Nullable Instant bookingEnd) {
    return BookingEvent.builder()
        .setEventId(eventId)
        .setEventType(type)
        .setBookingId(bookingId)
        .setVehicleId(vehicleId)
        .setLocationId(locationId)
        .setEventTime(at)
        .setBookingStart(bookingStart)
        .setBookingEnd(bookingEnd)
        .build();
  }

  private InventoryInput() {}
}
