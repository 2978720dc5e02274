package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * One location's vehicles over one minute of event time, for live dashboards ({@code
 * metrics.location.1m}). A late reading re-emits the minute with a higher revision.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class LocationMetrics {
  @SchemaFieldNumber("0")
  public abstract String getLocationId();

  @SchemaFieldNumber("1")
  public abstract Instant getWindowStart();

  @SchemaFieldNumber("2")
  public abstract Instant getWindowEnd();

  @SchemaFieldNumber("3")
  public abstract long getReadings();

  /** 100 x readings on trip / readings. */
  @SchemaFieldNumber("4")
  public abstract double getUtilizationPct();

  @SchemaFieldNumber("5")
  public abstract double getAvgBatteryPct();

  /** Distinct vehicles that reported. */
  @SchemaFieldNumber("6")
  public abstract long getVehicles();

  /** Distinct vehicles that reported as available. */
  @SchemaFieldNumber("7")
  public abstract long getVehiclesAvailable();

  /** 0 for the first emission of the minute, +1 for each correction. */
  @SchemaFieldNumber("8")
  public abstract long getRevision();

  public static LocationMetrics create(String locationId, Instant windowStart, Instant windowEnd,
      long readings, double utilizationPct, double avgBatteryPct, long vehicles,
      long vehiclesAvailable, long revision) {
    return new AutoValue_LocationMetrics(locationId, windowStart, windowEnd, readings,
        utilizationPct, avgBatteryPct, vehicles, vehiclesAvailable, revision);
  }
}
