package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;

/**
 * Reference data for one location: a pick-up/drop-off zone inside a city, with a circular geofence
 * (PostgreSQL table {@code locations}).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class LocationMetadata {
  public abstract String getLocationId();

  public abstract String getName();

  public abstract String getCity();

  public abstract double getCentreLat();

  public abstract double getCentreLon();

  /** Geofence radius around the centre, metres. */
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
