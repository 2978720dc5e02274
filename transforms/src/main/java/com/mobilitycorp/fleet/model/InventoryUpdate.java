package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The current availability of one vehicle ({@code veh.inventory.updates}, keyed by vehicle_id), as
 * far as the events seen so far say. Consumers keep, per vehicle, the update with the greatest
 * {@code (as_of, revision)}: as_of alone can tie when a late event corrects an earlier answer.
 *
 * <p>Position, battery and range come from the vehicle's newest telemetry and are null until the
 * vehicle has reported once; booking id and location come from the booking lifecycle.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class InventoryUpdate {
  @SchemaFieldNumber("0")
  public abstract String getVehicleId();

  @SchemaFieldNumber("1")
  public abstract VehicleStatus getStatus();

  /** The open booking holding the vehicle (reserved or on trip); null otherwise. */
  @SchemaFieldNumber("2")
  public abstract @Nullable String getBookingId();

  /**
   * The station/zone of the vehicle's last booking event (pick-up or return location); null when
   * no booking event has been seen for the vehicle yet.
   */
  @SchemaFieldNumber("3")
  public abstract @Nullable String getLocationId();

  @SchemaFieldNumber("4")
  public abstract @Nullable Double getLat();

  @SchemaFieldNumber("5")
  public abstract @Nullable Double getLon();

  /** State of charge 0..100 (GBFS current_fuel_percent is this / 100). */
  @SchemaFieldNumber("6")
  public abstract @Nullable Double getBatteryPct();

  /** GBFS current_range_meters, as the unit estimates it. */
  @SchemaFieldNumber("7")
  public abstract @Nullable Double getEstimatedRangeM();

  /** operational_status of the newest telemetry. */
  @SchemaFieldNumber("8")
  public abstract @Nullable OperationalStatus getOperationalStatus();

  /** Event time of the newest telemetry (GBFS last_reported); null if none yet. */
  @SchemaFieldNumber("9")
  public abstract @Nullable Instant getLastReported();

  /** Event time of the newest information in this update (telemetry or booking event). */
  @SchemaFieldNumber("10")
  public abstract Instant getAsOf();

  /** Per-vehicle sequence number, +1 on every update of that vehicle. */
  @SchemaFieldNumber("11")
  public abstract long getRevision();

  @SchemaFieldNumber("12")
  public abstract InventoryUpdateReason getReason();

  public static Builder builder() {
    return new AutoValue_InventoryUpdate.Builder();
  }

  public abstract Builder toBuilder();

  /** True when the two updates agree on everything a consumer acts on at once. */
  public boolean sameStatusAs(InventoryUpdate other) {
    return getStatus() == other.getStatus()
        && java.util.Objects.equals(getBookingId(), other.getBookingId())
        && java.util.Objects.equals(getLocationId(), other.getLocationId());
  }

  /** True when the two updates describe the same vehicle state (ignoring revision and reason). */
  public boolean sameStateAs(InventoryUpdate other) {
    return sameStatusAs(other)
        && java.util.Objects.equals(getLat(), other.getLat())
        && java.util.Objects.equals(getLon(), other.getLon())
        && java.util.Objects.equals(getBatteryPct(), other.getBatteryPct())
        && java.util.Objects.equals(getEstimatedRangeM(), other.getEstimatedRangeM())
        && getOperationalStatus() == other.getOperationalStatus()
        && java.util.Objects.equals(getLastReported(), other.getLastReported())
        && getAsOf().equals(other.getAsOf());
  }

  /** Builder; Beam's AutoValueSchema also builds rows back into updates through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setVehicleId(String vehicleId);

    public abstract Builder setStatus(VehicleStatus status);

    public abstract Builder setBookingId(@Nullable String bookingId);

    public abstract Builder setLocationId(@Nullable String locationId);

    public abstract Builder setLat(@Nullable Double lat);

    public abstract Builder setLon(@Nullable Double lon);

    public abstract Builder setBatteryPct(@Nullable Double batteryPct);

    public abstract Builder setEstimatedRangeM(@Nullable Double estimatedRangeM);

    public abstract Builder setOperationalStatus(@Nullable OperationalStatus operationalStatus);

    public abstract Builder setLastReported(@Nullable Instant lastReported);

    public abstract Builder setAsOf(Instant asOf);

    public abstract Builder setRevision(long revision);

    public abstract Builder setReason(InventoryUpdateReason reason);

    public abstract InventoryUpdate build();
  }
}
