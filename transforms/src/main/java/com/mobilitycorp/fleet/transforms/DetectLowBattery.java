package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * LOW_BATTERY alerts: one per low-battery episode of a vehicle, raised as soon as the reading that
 * reveals it arrives (no waiting for the watermark).
 *
 * <p><b>Rule</b> (see {@link DetectLowBatteryModel}). An episode starts at a reading below the
 * threshold (default 20%, so 19.9 is low and 20.0 is not) and ends at the first reading at or
 * above threshold + recovery margin (default 0, e.g. a battery swap). Every episode raises one
 * alert, with the id {@code low_battery:<vehicle>:<start of the 5-minute event-time window of the
 * reading that raised it>}. So there is at most one alert per vehicle per 5-minute window, even
 * when episodes flap; a later episode alerts again. Disorder, lateness and state are handled as
 * {@link EpisodeAlerts} describes.
 *
 * <p><b>Details</b>: battery_pct, threshold_pct, lat, lon, and from the enrichment vehicle_type,
 * model, last_service_date, location_id / location_name (the zone it is in, "none" between zones)
 * and city; reference data the pipeline lacks reads "unknown".
 */
public final class DetectLowBattery extends PTransform<PCollection<EnrichedTelemetry>, PCollection<Alert>> {

  public static final double DEFAULT_THRESHOLD_PCT = 20.0;
  public static final Duration ALERT_WINDOW = EpisodeAlerts.ALERT_WINDOW;
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  static final String NAME = "low_battery";

  private final double thresholdPct;
  private final double recoveryMarginPct;
  private final Duration allowedLateness;

  private DetectLowBattery(double thresholdPct, double recoveryMarginPct, Duration lateness) {
    this.thresholdPct = thresholdPct;
    this.recoveryMarginPct = recoveryMarginPct;
    this.allowedLateness = lateness;
  }

  public static DetectLowBattery create() {
    return new DetectLowBattery(DEFAULT_THRESHOLD_PCT, 0.0, DEFAULT_ALLOWED_LATENESS);
  }

  /** Readings strictly below this are low. */
  public DetectLowBattery withThresholdPct(double threshold) {
    return new DetectLowBattery(threshold, recoveryMarginPct, allowedLateness);
  }

  /** An episode ends only at threshold + margin or above (hysteresis against flapping sensors). */
  public DetectLowBattery withRecoveryMarginPct(double margin) {
    if (margin < 0) {
      throw new IllegalArgumentException("recovery margin must not be negative, was " + margin);
    }
    return new DetectLowBattery(thresholdPct, margin, allowedLateness);
  }

  public DetectLowBattery withAllowedLateness(Duration lateness) {
    if (!lateness.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("allowed lateness must be positive, was " + lateness);
    }
    return new DetectLowBattery(thresholdPct, recoveryMarginPct, lateness);
  }

  /** The alert id of an episode raised by a reading at {@code readingTime}. */
  public static String alertId(String vehicleId, Instant readingTime) {
    return EpisodeAlerts.alertId(NAME, vehicleId, readingTime);
  }

  @Override
  public PCollection<Alert> expand(PCollection<EnrichedTelemetry> readings) {
    return EpisodeAlerts.apply(
        readings, DetectLowBattery.class, new LowBatteryRule(thresholdPct, recoveryMarginPct),
        allowedLateness);
  }

  /** Signal = battery percentage. */
  private static final class LowBatteryRule implements EpisodeAlerts.Rule {
    private static final long serialVersionUID = 1L;
    private final double threshold;
    private final double margin;

    LowBatteryRule(double threshold, double margin) {
      this.threshold = threshold;
      this.margin = margin;
    }

    @Override
    public Double signal(EnrichedTelemetry reading) {
      return reading.getTelemetry().getBatteryPct();
    }

    @Override
    public double threshold() {
      return threshold;
    }

    @Override
    public double recovery() {
      return threshold + margin;
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public Alert alert(String alertId, Instant firstTime, double firstSignal, EnrichedTelemetry current) {
      Map<String, String> details = new TreeMap<>(ReadingContext.of(current));
      details.put("battery_pct", String.format(Locale.ROOT, "%.1f", firstSignal));
      details.put("threshold_pct", String.format(Locale.ROOT, "%.1f", threshold));
      return Alert.builder()
          .setAlertId(alertId)
          .setType(AlertType.LOW_BATTERY)
          .setSeverity(firstSignal < threshold / 2 ? AlertSeverity.CRITICAL : AlertSeverity.WARNING)
          .setVehicleId(current.vehicleId())
          .setLocationId(zoneId(current))
          .setEventTime(firstTime)
          .setDetectedAt(Instant.now())
          .setDetails(details)
          .build();
    }

    private static @Nullable String zoneId(EnrichedTelemetry reading) {
      return reading.getZone() == null ? null : reading.getZone().getLocationId();
    }
  }
}
