package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One row of {@code vehicle_utilization_hourly}: a (location, vehicle type)'s vehicles over one
 * event-time hour. Two utilizations: by samples (the seed's SQL: rented readings / all readings,
 * which favours vehicles that report more often, and vehicles on trip report every 30 s against
 * every few minutes when parked) and time-weighted (the share of observed vehicle-time spent
 * rented). A late reading re-emits the hour with a higher {@link #getVersion}; the stores keep the
 * highest version per (window_start, location_id, vehicle_type).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class UtilizationHourly {
  @SchemaFieldNumber("0")
  public abstract Instant getWindowStart();

  @SchemaFieldNumber("1")
  public abstract Instant getWindowEnd();

  /** The vehicles' location: where the current booking picked them up, or where they were returned. */
  @SchemaFieldNumber("2")
  public abstract String getLocationId();

  /** {@link VehicleType} in wire spelling (e_scooter), or "unknown" without vehicle metadata. */
  @SchemaFieldNumber("3")
  public abstract String getVehicleType();

  /** Readings taken while on trip. */
  @SchemaFieldNumber("4")
  public abstract long getRentedSamples();

  @SchemaFieldNumber("5")
  public abstract long getTotalSamples();

  /** 100 x rented / total samples. */
  @SchemaFieldNumber("6")
  public abstract double getUtilizationPct();

  @SchemaFieldNumber("7")
  public abstract long getDistinctVehicles();

  /** Mean battery of the readings. */
  @SchemaFieldNumber("8")
  public abstract double getAvgBatteryPct();

  /** Vehicle-seconds covered by the readings (each until the vehicle's next, within the hour). */
  @SchemaFieldNumber("9")
  public abstract double getObservedVehicleSeconds();

  /** ... of which on trip. */
  @SchemaFieldNumber("10")
  public abstract double getRentedVehicleSeconds();

  /** 100 x rented / observed vehicle-seconds; null when no time was observed. */
  @SchemaFieldNumber("11")
  public abstract @Nullable Double getTimeWeightedUtilizationPct();

  /** 0 for the first emission of the hour, +1 for each correction. */
  @SchemaFieldNumber("12")
  public abstract long getVersion();

  public static Builder builder() {
    return new AutoValue_UtilizationHourly.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; Beam's AutoValueSchema also builds rows back through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setWindowStart(Instant windowStart);

    public abstract Builder setWindowEnd(Instant windowEnd);

    public abstract Builder setLocationId(String locationId);

    public abstract Builder setVehicleType(String vehicleType);

    public abstract Builder setRentedSamples(long rentedSamples);

    public abstract Builder setTotalSamples(long totalSamples);

    public abstract Builder setUtilizationPct(double utilizationPct);

    public abstract Builder setDistinctVehicles(long distinctVehicles);

    public abstract Builder setAvgBatteryPct(double avgBatteryPct);

    public abstract Builder setObservedVehicleSeconds(double seconds);

    public abstract Builder setRentedVehicleSeconds(double seconds);

    public abstract Builder setTimeWeightedUtilizationPct(@Nullable Double pct);

    public abstract Builder setVersion(long version);

    public abstract UtilizationHourly build();
  }
}
