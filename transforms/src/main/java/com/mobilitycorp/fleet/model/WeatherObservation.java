package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * One weather observation for a location ({@code weather.observations}, keyed by location_id). An
 * observation is valid from its {@code observedAt} until the location's next observation.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class WeatherObservation {
  @SchemaFieldNumber("0")
  public abstract String getObservationId();

  @SchemaFieldNumber("1")
  public abstract String getLocationId();

  @SchemaFieldNumber("2")
  public abstract Instant getObservedAt();

  @SchemaFieldNumber("3")
  public abstract double getTemperatureC();

  /** Precipitation intensity, mm per hour. */
  @SchemaFieldNumber("4")
  public abstract double getPrecipitationMmH();

  @SchemaFieldNumber("5")
  public abstract double getWindSpeedKmh();

  @SchemaFieldNumber("6")
  public abstract WeatherCondition getCondition();

  public static WeatherObservation create(
      String observationId,
      String locationId,
      Instant observedAt,
      double temperatureC,
      double precipitationMmH,
      double windSpeedKmh,
      WeatherCondition condition) {
    return new AutoValue_WeatherObservation(
        observationId, locationId, observedAt, temperatureC, precipitationMmH, windSpeedKmh,
        condition);
  }
}
