package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.joda.time.Instant;

/** Reference data for one vehicle (PostgreSQL table {@code vehicles}). */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class VehicleMetadata {
  public abstract String getVehicleId();

  public abstract VehicleType getVehicleType();

  /** Manufacturer model, e.g. "Segway Max G30". */
  public abstract String getModel();

  /** The location (zone) the vehicle is based at and returned to by ops. */
  public abstract String getHomeLocationId();

  /** Start of the day (UTC) of the last workshop service. */
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
