package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import java.util.EnumSet;
import java.util.Set;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A telemetry reading with what the fleet knows around it: the vehicle's metadata, the zone it
 * is in, its home city's operating area and the weather valid at its event time.
 *
 * <p>Missing reference data never drops a reading: the field is null and {@link #unknowns()}
 * names it. A null {@link #getZone()} alone is no gap: the vehicle is between zones.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class EnrichedTelemetry {

  /** Reference data an enriched reading can lack. */
  public enum Unknown {
    /** The vehicle is not in the {@code vehicles} table (yet). */
    VEHICLE,
    /** The vehicle's home location is not in the {@code locations} table: no city, no area. */
    HOME_CITY,
    /** No weather observation valid at the event time (not joined, none near, or too old). */
    WEATHER
  }

  @SchemaFieldNumber("0")
  public abstract TelemetryEvent getTelemetry();

  @SchemaFieldNumber("1")
  public abstract @Nullable VehicleMetadata getVehicle();

  /** The zone whose geofence contains the position; null between zones. */
  @SchemaFieldNumber("2")
  public abstract @Nullable LocationMetadata getZone();

  /** The vehicle's home city (its home location's city). */
  @SchemaFieldNumber("3")
  public abstract @Nullable String getHomeCity();

  /** Metres inside the home city's operating area; negative = outside. */
  @SchemaFieldNumber("4")
  public abstract @Nullable Double getMetresInsideOperatingArea();

  /** The zone whose weather applies: the containing zone, else the nearest one near enough. */
  @SchemaFieldNumber("5")
  public abstract @Nullable String getWeatherLocationId();

  @SchemaFieldNumber("6")
  public abstract @Nullable WeatherObservation getWeather();

  public static Builder builder() {
    return new AutoValue_EnrichedTelemetry.Builder();
  }

  public abstract Builder toBuilder();

  /** Shorthand for the reading's vehicle id. */
  public String vehicleId() {
    return getTelemetry().getVehicleId();
  }

  /** What reference data this reading lacks (explicit unknowns). */
  public Set<Unknown> unknowns() {
    Set<Unknown> unknowns = EnumSet.noneOf(Unknown.class);
    if (getVehicle() == null) {
      unknowns.add(Unknown.VEHICLE);
    } else if (getHomeCity() == null) {
      unknowns.add(Unknown.HOME_CITY);
    }
    if (getWeather() == null) {
      unknowns.add(Unknown.WEATHER);
    }
    return unknowns;
  }

  /** Builder; Beam's AutoValueSchema also builds rows back through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTelemetry(TelemetryEvent telemetry);

    public abstract Builder setVehicle(@Nullable VehicleMetadata vehicle);

    public abstract Builder setZone(@Nullable LocationMetadata zone);

    public abstract Builder setHomeCity(@Nullable String homeCity);

    public abstract Builder setMetresInsideOperatingArea(@Nullable Double metres);

    public abstract Builder setWeatherLocationId(@Nullable String locationId);

    public abstract Builder setWeather(@Nullable WeatherObservation weather);

    public abstract EnrichedTelemetry build();
  }
}
