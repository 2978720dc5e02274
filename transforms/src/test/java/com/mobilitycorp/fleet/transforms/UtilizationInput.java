package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
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
import org.joda.time.Duration;
import org.joda.time.Instant;

/** Readings and booking events in one TestStream, split into what SampleVehicleStatus takes. */
final class UtilizationInput {
  /** A whole hour: T0 (08:00) is an hour boundary. */
  static final Instant H0 = Events.T0;

  private static final int READING = 0;
  private static final int BOOKING = 1;
  private static int sequence;

  static Instant at(int minute, int second) {
    return H0.plus(Duration.standardMinutes(minute)).plus(Duration.standardSeconds(second));
  }

  static Instant at(int minute) {
    return at(minute, 0);
  }

  static TestStream.Builder<RawUnionValue> stream(Pipeline p) {
    Coder<RawUnionValue> coder = UnionCoder.of(List.<Coder<?>>of(
        EnrichmentInput.schemaCoder(p, EnrichedTelemetry.class),
        EnrichmentInput.schemaCoder(p, BookingEvent.class)));
    return TestStream.create(coder).advanceWatermarkTo(H0.minus(Duration.standardMinutes(1)));
  }

  /** A reading of a scooter whose home is {@code home} (null: no vehicle metadata). */
  static EnrichedTelemetry reading(String vehicle, Instant t, double battery, @Nullable String home) {
    VehicleMetadata metadata = home == null ? null : EnrichmentInput.scooter(vehicle, home);
    return EnrichedTelemetry.builder()
        .setTelemetry(InventoryInput.telemetry(
            vehicle, vehicle + "-r" + (++sequence), t, 52.5, battery, OperationalStatus.OPERATIONAL))
        .setVehicle(metadata)
        .build();
  }

  static BookingEvent booking(String vehicle, BookingEventType type, String booking,
      String location, Instant t, Instant start) {
    return InventoryInput.booking(vehicle, vehicle + "-b" + (++sequence), type, booking, location, t,
        start, type == BookingEventType.RETURN_COMPLETED || type == BookingEventType.BOOKING_CANCELLED
            ? t : null);
  }

  static TimestampedValue<RawUnionValue> signal(EnrichedTelemetry r) {
    return TimestampedValue.of(new RawUnionValue(READING, r), r.getTelemetry().getEventTime());
  }

  static TimestampedValue<RawUnionValue> signal(BookingEvent e) {
    return TimestampedValue.of(new RawUnionValue(BOOKING, e), e.getEventTime());
  }

  static PCollectionTuple split(Pipeline p, TestStream<RawUnionValue> stream) {
    PCollection<RawUnionValue> signals = p.apply("Signals", stream);
    PCollection<EnrichedTelemetry> readings = signals
        .apply("OnlyReadings", Filter.by(s -> s.getUnionTag() == READING))
        .apply("AsReadings", MapElements.into(TypeDescriptor.of(EnrichedTelemetry.class))
            .via(s -> (EnrichedTelemetry) s.getValue()))
        .setCoder(EnrichmentInput.schemaCoder(p, EnrichedTelemetry.class));
    PCollection<BookingEvent> bookings = signals
        .apply("OnlyBookings", Filter.by(s -> s.getUnionTag() == BOOKING))
        .apply("AsBookings", MapElements.into(TypeDescriptor.of(BookingEvent.class))
            .via(s -> (BookingEvent) s.getValue()))
        .setCoder(EnrichmentInput.schemaCoder(p, BookingEvent.class));
    return PCollectionTuple.of(SampleVehicleStatus.READINGS, readings)
        .and(SampleVehicleStatus.BOOKINGS, bookings);
  }

  private UtilizationInput() {}
}
