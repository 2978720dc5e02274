package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One booking lifecycle event from the Booking Service ({@code domain.events}).
 *
 * <p>{@link #bookingStart()} is when the booking holds the vehicle from (creation of the
 * reservation); {@link #bookingEnd()} is when it stops holding it: unknown (null) while the booking
 * is open, set on {@code booking_cancelled} and {@code return_completed}.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class BookingEvent implements VehicleEvent {
  @Override
  @SchemaFieldNumber("0")
  public abstract String getEventId();

  @SchemaFieldNumber("1")
  public abstract BookingEventType getEventType();

  @SchemaFieldNumber("2")
  public abstract String getBookingId();

  @Override
  @SchemaFieldNumber("3")
  public abstract String getVehicleId();

  /** Where the vehicle was picked up (created/started) or returned (return_completed). */
  @SchemaFieldNumber("4")
  public abstract String getLocationId();

  @Override
  @SchemaFieldNumber("5")
  public abstract Instant getEventTime();

  @SchemaFieldNumber("6")
  public abstract Instant getBookingStart();

  @SchemaFieldNumber("7")
  public abstract @Nullable Instant getBookingEnd();

  public static Builder builder() {
    return new AutoValue_BookingEvent.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; Beam's AutoValueSchema also builds rows back into events through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setEventId(String eventId);

    public abstract Builder setEventType(BookingEventType eventType);

    public abstract Builder setBookingId(String bookingId);

    public abstract Builder setVehicleId(String vehicleId);

    public abstract Builder setLocationId(String locationId);

    public abstract Builder setEventTime(Instant eventTime);

    public abstract Builder setBookingStart(Instant bookingStart);

    public abstract Builder setBookingEnd(@Nullable Instant bookingEnd);

    public abstract BookingEvent build();
  }
}
