package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A vehicle's status at one instant, for the utilization rollups: either a reading (a telemetry
 * record with the status the inventory rule gives at its event time) or the span of vehicle-time
 * that reading stands for, known once the vehicle's next reading is (time-weighted utilization).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class VehicleStatusSample {
  @SchemaFieldNumber("0")
  public abstract String getVehicleId();

  /** The reading's event time (for a span: its start). */
  @SchemaFieldNumber("1")
  public abstract Instant getTime();

  @SchemaFieldNumber("2")
  public abstract VehicleStatus getStatus();

  /** Where the vehicle belongs now: its booking's pick-up or return zone, else its home location. */
  @SchemaFieldNumber("3")
  public abstract String getLocationId();

  /** {@link VehicleType} in wire spelling, or "unknown" without vehicle metadata. */
  @SchemaFieldNumber("4")
  public abstract String getVehicleType();

  /** True for a reading; false for the span a reading stands for. */
  @SchemaFieldNumber("5")
  public abstract boolean getReading();

  /** The reading's battery (readings only). */
  @SchemaFieldNumber("6")
  public abstract @Nullable Double getBatteryPct();

  /** The span's length (spans only; 0 for readings). */
  @SchemaFieldNumber("7")
  public abstract long getSpanMillis();

  public static VehicleStatusSample reading(String vehicleId, Instant time, VehicleStatus status,
      String locationId, String vehicleType, double batteryPct) {
    return new AutoValue_VehicleStatusSample(
        vehicleId, time, status, locationId, vehicleType, true, batteryPct, 0L);
  }

  /** The span that {@code reading} stands for. */
  public static VehicleStatusSample span(VehicleStatusSample reading, long spanMillis) {
    return new AutoValue_VehicleStatusSample(
        reading.getVehicleId(), reading.getTime(), reading.getStatus(), reading.getLocationId(),
        reading.getVehicleType(), false, null, spanMillis);
  }

  /** The same status continued from {@code time} (a span cut at an hour carries on after it). */
  public VehicleStatusSample continuedAt(Instant time) {
    return new AutoValue_VehicleStatusSample(
        getVehicleId(), time, getStatus(), getLocationId(), getVehicleType(), false, null, 0L);
  }
}
