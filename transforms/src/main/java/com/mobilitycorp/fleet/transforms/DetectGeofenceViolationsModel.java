package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import org.joda.time.Duration;

/**
 * Plain-Java reference model of {@link DetectGeofenceViolations}: {@link EpisodeModel} with the
 * metres inside the home city's operating area as the signal.
 */
public final class DetectGeofenceViolationsModel extends EpisodeModel {

  public DetectGeofenceViolationsModel(double reentryMarginM, Duration lateness) {
    super(DetectGeofenceViolations.NAME, 0.0, reentryMarginM, lateness);
  }

  public void onReading(EnrichedTelemetry e) {
    Double inside = e.getMetresInsideOperatingArea();
    if (inside != null) {
      onSignal(e.vehicleId(), e.getTelemetry().getEventTime(), inside);
    }
  }
}
