package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.TelemetryEvent;
import org.joda.time.Duration;

/**
 * Plain-Java reference model of {@link DetectLowBattery}: {@link EpisodeModel} with the battery
 * percentage as the signal.
 */
public final class DetectLowBatteryModel extends EpisodeModel {

  public DetectLowBatteryModel(double threshold, double recoveryMargin, Duration lateness) {
    super(DetectLowBattery.NAME, threshold, threshold + recoveryMargin, lateness);
  }

  public void onReading(TelemetryEvent e) {
    onSignal(e.getVehicleId(), e.getEventTime(), e.getBatteryPct());
  }
}
