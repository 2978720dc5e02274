package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One telemetry message from a vehicle's IoT unit ({@code veh.events.raw}). Optional fields are
 * those not every unit reports (scooters have no odometer on some firmware, cars no lock state).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class TelemetryEvent implements VehicleEvent {
  @Override
  public abstract String getEventId();

  @Override
  public abstract String getVehicleId();

  @Override
  public abstract Instant getEventTime();

  /** WGS84 latitude, degrees. */
  public abstract double getLat();

  /** WGS84 longitude, degrees. */
  public abstract double getLon();

  /** State of charge, 0..100. */
  public abstract double getBatteryPct();

  public abstract OperationalStatus getOperationalStatus();

  public abstract @Nullable Double getSpeedKmh();

  /** Direction of travel, degrees clockwise from north. */
  public abstract @Nullable Double getHeadingDeg();

  public abstract @Nullable Double getOdometerKm();

  /** GPS horizontal accuracy (metres); large values mean the position is not to be trusted. */
  public abstract @Nullable Double getGpsAccuracyM();

  /** The unit's own range estimate (GBFS current_range_meters). */
  public abstract @Nullable Double getEstimatedRangeM();

  /** Lock state of scooters and bikes; null for cars. */
  public abstract @Nullable Boolean getLocked();

  public static Builder builder() {
    return new AutoValue_TelemetryEvent.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; Beam's AutoValueSchema also builds rows back into events through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setEventId(String eventId);

    public abstract Builder setVehicleId(String vehicleId);

    public abstract Builder setEventTime(Instant eventTime);

    public abstract Builder setLat(double lat);

    public abstract Builder setLon(double lon);

    public abstract Builder setBatteryPct(double batteryPct);

    public abstract Builder setOperationalStatus(OperationalStatus operationalStatus);

    public abstract Builder setSpeedKmh(@Nullable Double speedKmh);

    public abstract Builder setHeadingDeg(@Nullable Double headingDeg);

    public abstract Builder setOdometerKm(@Nullable Double odometerKm);

    public abstract Builder setGpsAccuracyM(@Nullable Double gpsAccuracyM);

    public abstract Builder setEstimatedRangeM(@Nullable Double estimatedRangeM);

    public abstract Builder setLocked(@Nullable Boolean locked);

    public abstract TelemetryEvent build();
  }
}
