package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;

/**
 * Reference data for one location: a pick-up/drop-off zone inside a city, with a circular geofence
 * (PostgreSQL table {@code locations}).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class LocationMetadata {
  @SchemaFieldNumber("0")
  public abstract String getLocationId();

  @SchemaFieldNumber("1")
  public abstract String getName();

  @SchemaFieldNumber("2")
  public abstract String getCity();

  @SchemaFieldNumber("3")
  public abstract double getCentreLat();

  @SchemaFieldNumber("4")
  public abstract double getCentreLon();

  /** Geofence radius around the centre, metres. */
  @SchemaFieldNumber("5")
  public abstract double getRadiusM();

  public static LocationMetadata create(
      String locationId,
      String name,
      String city,
      double centreLat,
      double centreLon,
      double radiusM) {
    return new AutoValue_LocationMetadata(locationId, name, city, centreLat, centreLon, radiusM);
  }
}
