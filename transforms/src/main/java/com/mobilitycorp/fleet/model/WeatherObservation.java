package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.joda.time.Instant;

/**
 * One weather observation for a location ({@code weather.observations}, keyed by location_id). An
 * observation is valid from its {@code observedAt} until the location's next observation.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class WeatherObservation {
  public abstract String getObservationId();

  public abstract String getLocationId();

  public abstract Instant getObservedAt();

  public abstract double getTemperatureC();

  /** Precipitation intensity, mm per hour. */
  public abstract double getPrecipitationMmH();

  public abstract double getWindSpeedKmh();

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
