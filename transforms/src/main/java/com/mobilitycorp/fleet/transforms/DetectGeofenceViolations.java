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
 * GEOFENCE_VIOLATION alerts: one per excursion of a vehicle out of its home city's operating area
 * ({@link FleetGeography}), raised as soon as the first reading outside arrives.
 *
 * <p><b>Rule</b> (see {@link DetectGeofenceViolationsModel}). The signal is the enrichment's
 * metres inside the area (negative outside). An excursion starts at a reading outside and ends at
 * the first reading at least the re-entry margin (default 100 m) back inside, so GPS noise on the
 * edge does not make one excursion look like several. Ids: {@code
 * geofence_violation:<vehicle>:<start of the 5-minute event-time window of the first reading
 * outside>}. Disorder, lateness and state are handled as {@link EpisodeAlerts} describes.
 * Readings of vehicles whose home city is unknown cannot be judged: they are counted ({@code
 * geofence_readings_unjudged}) and ignored.
 *
 * <p><b>Details</b>: metres_outside and the common vehicle details (position,
 * vehicle type, model, last service, zone, city). CRITICAL beyond 5 km outside (theft or
 * transport), WARNING otherwise.
 */
public final class DetectGeofenceViolations
    extends PTransform<PCollection<EnrichedTelemetry>, PCollection<Alert>> {

  public static final double DEFAULT_REENTRY_MARGIN_M = 100.0;
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  static final double CRITICAL_BEYOND_M = 5_000.0;
  static final String NAME = "geofence_violation";

  private final double reentryMarginM;
  private final Duration allowedLateness;

  private DetectGeofenceViolations(double reentryMarginM, Duration allowedLateness) {
    this.reentryMarginM = reentryMarginM;
    this.allowedLateness = allowedLateness;
  }

  public static DetectGeofenceViolations create() {
    return new DetectGeofenceViolations(DEFAULT_REENTRY_MARGIN_M, DEFAULT_ALLOWED_LATENESS);
  }

  /** An excursion ends only at a reading this far back inside the area. */
  public DetectGeofenceViolations withReentryMarginM(double margin) {
    if (margin < 0) {
      throw new IllegalArgumentException("re-entry margin must not be negative, was " + margin);
    }
    return new DetectGeofenceViolations(margin, allowedLateness);
  }

  public DetectGeofenceViolations withAllowedLateness(Duration lateness) {
    if (!lateness.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("allowed lateness must be positive, was " + lateness);
    }
    return new DetectGeofenceViolations(reentryMarginM, lateness);
  }

  /** The alert id of an excursion whose first reading outside was at {@code readingTime}. */
  public static String alertId(String vehicleId, Instant readingTime) {
    return EpisodeAlerts.alertId(NAME, vehicleId, readingTime);
  }

  @Override
  public PCollection<Alert> expand(PCollection<EnrichedTelemetry> readings) {
    return EpisodeAlerts.apply(
        readings, DetectGeofenceViolations.class, new OutsideAreaRule(reentryMarginM), allowedLateness);
  }

  /** Signal = metres inside the home city's operating area. */
  private static final class OutsideAreaRule implements EpisodeAlerts.Rule {
    private static final long serialVersionUID = 1L;
    private final double reentryMarginM;

    OutsideAreaRule(double reentryMarginM) {
      this.reentryMarginM = reentryMarginM;
    }

    @Override
    public @Nullable Double signal(EnrichedTelemetry reading) {
      return reading.getMetresInsideOperatingArea();
    }

    @Override
    public double threshold() {
      return 0.0;
    }

    @Override
    public double recovery() {
      return reentryMarginM;
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public Alert alert(String alertId, Instant firstTime, double firstSignal, EnrichedTelemetry current) {
      Map<String, String> details = new TreeMap<>(ReadingContext.of(current));
      details.put("metres_outside", String.format(Locale.ROOT, "%.0f", -firstSignal));
      return Alert.builder()
          .setAlertId(alertId)
          .setType(AlertType.GEOFENCE_VIOLATION)
          .setSeverity(-firstSignal > CRITICAL_BEYOND_M ? AlertSeverity.CRITICAL : AlertSeverity.WARNING)
          .setVehicleId(current.vehicleId())
          .setLocationId(null)
          .setEventTime(firstTime)
          .setDetectedAt(Instant.now())
          .setDetails(details)
          .build();
    }
  }
}
