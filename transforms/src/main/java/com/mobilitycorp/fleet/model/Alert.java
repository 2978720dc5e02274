package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One alert on the {@code alerts} topic; the same shape for every {@link AlertType}. The id is
 * deterministic (derived from vehicle or location, type and episode or window), so a replay
 * produces the same ids and consumers can de-duplicate on it.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class Alert {
  @SchemaFieldNumber("0")
  public abstract String getAlertId();

  @SchemaFieldNumber("1")
  public abstract AlertType getType();

  @SchemaFieldNumber("2")
  public abstract AlertSeverity getSeverity();

  /** The vehicle concerned; null for location alerts (demand spikes). */
  @SchemaFieldNumber("3")
  public abstract @Nullable String getVehicleId();

  /** The location concerned, when known. */
  @SchemaFieldNumber("4")
  public abstract @Nullable String getLocationId();

  /** Event time of the event (or window end) that raised the alert. */
  @SchemaFieldNumber("5")
  public abstract Instant getEventTime();

  /** Wall-clock time at which the pipeline raised the alert. */
  @SchemaFieldNumber("6")
  public abstract Instant getDetectedAt();

  /** Type-specific facts (battery_pct, vehicle_type, window_start, ...), as strings. */
  @SchemaFieldNumber("7")
  public abstract Map<String, String> getDetails();

  public static Builder builder() {
    return new AutoValue_Alert.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; Beam's AutoValueSchema also builds rows back into alerts through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setAlertId(String alertId);

    public abstract Builder setType(AlertType type);

    public abstract Builder setSeverity(AlertSeverity severity);

    public abstract Builder setVehicleId(@Nullable String vehicleId);

    public abstract Builder setLocationId(@Nullable String locationId);

    public abstract Builder setEventTime(Instant eventTime);

    public abstract Builder setDetectedAt(Instant detectedAt);

    public abstract Builder setDetails(Map<String, String> details);

    abstract Map<String, String> getDetails();

    abstract Alert autoBuild();

    /**
     * Copies the details into a sorted, unmodifiable map: a stable order for the wire, and a map
     * with a proper equals (the map Beam's schema coder decodes into compares by identity).
     */
    public Alert build() {
      setDetails(Collections.unmodifiableMap(new TreeMap<>(getDetails())));
      return autoBuild();
    }
  }
}
