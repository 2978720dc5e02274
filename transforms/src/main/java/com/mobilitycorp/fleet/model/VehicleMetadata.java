package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/** Reference data for one vehicle (PostgreSQL table {@code vehicles}). */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class VehicleMetadata {
  @SchemaFieldNumber("0")
  public abstract String getVehicleId();

  @SchemaFieldNumber("1")
  public abstract VehicleType getVehicleType();

  /** Manufacturer model, e.g. "Segway Max G30". */
  @SchemaFieldNumber("2")
  public abstract String getModel();

  /** The location (zone) the vehicle is based at and returned to by ops. */
  @SchemaFieldNumber("3")
  public abstract String getHomeLocationId();

  /** Start of the day (UTC) of the last workshop service. */
  @SchemaFieldNumber("4")
  public abstract Instant getLastServiceDate();

  public static VehicleMetadata create(
      String vehicleId,
      VehicleType vehicleType,
      String model,
      String homeLocationId,
      Instant lastServiceDate) {
    return new AutoValue_VehicleMetadata(
        vehicleId, vehicleType, model, homeLocationId, lastServiceDate);
  }
}
