package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
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
  @SchemaFieldNumber("0")
  public abstract String getEventId();

  @Override
  @SchemaFieldNumber("1")
  public abstract String getVehicleId();

  @Override
  @SchemaFieldNumber("2")
  public abstract Instant getEventTime();

  /** WGS84 latitude, degrees. */
  @SchemaFieldNumber("3")
  public abstract double getLat();

  /** WGS84 longitude, degrees. */
  @SchemaFieldNumber("4")
  public abstract double getLon();

  /** State of charge, 0..100. */
  @SchemaFieldNumber("5")
  public abstract double getBatteryPct();

  @SchemaFieldNumber("6")
  public abstract OperationalStatus getOperationalStatus();

  @SchemaFieldNumber("7")
  public abstract @Nullable Double getSpeedKmh();

  /** Direction of travel, degrees clockwise from north. */
  @SchemaFieldNumber("8")
  public abstract @Nullable Double getHeadingDeg();

  @SchemaFieldNumber("9")
  public abstract @Nullable Double getOdometerKm();

  /** GPS horizontal accuracy (metres); large values mean the position is not to be trusted. */
  @SchemaFieldNumber("10")
  public abstract @Nullable Double getGpsAccuracyM();

  /** The unit's own range estimate (GBFS current_range_meters). */
  @SchemaFieldNumber("11")
  public abstract @Nullable Double getEstimatedRangeM();

  /** Lock state of scooters and bikes; null for cars. */
  @SchemaFieldNumber("12")
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
