package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One location's booking_created count in one 15-minute event-time window, with the baseline and
 * the spike decision behind it: the series pricing and dashboards read ({@code demand.windows}).
 * A late booking within the allowed lateness republishes the window (and the windows whose
 * baseline it changes) with a higher revision; consumers keep the highest revision per
 * (location_id, window_start).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class DemandWindow {
  @SchemaFieldNumber("0")
  public abstract String getLocationId();

  @SchemaFieldNumber("1")
  public abstract Instant getWindowStart();

  @SchemaFieldNumber("2")
  public abstract Instant getWindowEnd();

  @SchemaFieldNumber("3")
  public abstract long getBookingCount();

  /** Mean count of the previous windows of the history (empty ones count 0); null = no history. */
  @SchemaFieldNumber("4")
  public abstract @Nullable Double getBaseline();

  /** bookingCount / baseline; null without a baseline or with a baseline of 0. */
  @SchemaFieldNumber("5")
  public abstract @Nullable Double getRatio();

  /** How many previous windows the baseline averages (fewer in a location's first hour). */
  @SchemaFieldNumber("6")
  public abstract int getHistoryWindows();

  @SchemaFieldNumber("7")
  public abstract boolean getSpike();

  /** 0 for the first publication of the window, +1 for each correction. */
  @SchemaFieldNumber("8")
  public abstract int getRevision();

  public static Builder builder() {
    return new AutoValue_DemandWindow.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; Beam's AutoValueSchema also builds rows back through it. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setLocationId(String locationId);

    public abstract Builder setWindowStart(Instant windowStart);

    public abstract Builder setWindowEnd(Instant windowEnd);

    public abstract Builder setBookingCount(long bookingCount);

    public abstract Builder setBaseline(@Nullable Double baseline);

    public abstract Builder setRatio(@Nullable Double ratio);

    public abstract Builder setHistoryWindows(int historyWindows);

    public abstract Builder setSpike(boolean spike);

    public abstract Builder setRevision(int revision);

    public abstract DemandWindow build();
  }
}
