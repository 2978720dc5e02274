package com.mobilitycorp.fleet.testing.simulator;

import java.time.ZoneId;
import java.time.zone.ZoneRules;

/**
 * Booking demand over the day, as a factor of the daily mean (the factor averages 1.0 over 24 h):
 * low at night (about 0.08 at 3-4h), a morning peak at 8-9h and the evening peak at 17-19h, by the
 * cities' local time (Europe/Berlin, with its DST rules), interpolated linearly between the hourly
 * anchor values.
 */
final class DemandCurve {
  static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

  /** Relative demand at the start of each local hour (0..23); normalised to mean 1 below. */
  private static final double[] HOURLY = {
    0.30, 0.18, 0.12, 0.08, 0.08, 0.20, 0.55, 1.20, 1.90, 1.80, 1.10, 1.00,
    1.20, 1.25, 1.05, 1.15, 1.45, 1.95, 2.05, 1.85, 1.20, 0.90, 0.65, 0.45
  };

  private static final double[] NORMALISED;
  static final double MAX_FACTOR;

  static {
    double sum = 0;
    for (double h : HOURLY) {
      sum += h;
    }
    double mean = sum / HOURLY.length;
    NORMALISED = new double[HOURLY.length];
    double max = 0;
    for (int i = 0; i < HOURLY.length; i++) {
      NORMALISED[i] = HOURLY[i] / mean;
      max = Math.max(max, NORMALISED[i]);
    }
    MAX_FACTOR = max;
  }

  private static final ZoneRules RULES = ZONE.getRules();

  /** Demand factor (mean 1 over a day) at the given instant, by local time. */
  static double factorAt(long epochMillis) {
    java.time.Instant instant = java.time.Instant.ofEpochMilli(epochMillis);
    int offsetSeconds = RULES.getOffset(instant).getTotalSeconds();
    long localMillisOfDay = Math.floorMod(epochMillis + offsetSeconds * 1000L, 86_400_000L);
    double hour = localMillisOfDay / 3_600_000.0;
    int h0 = (int) hour;
    double frac = hour - h0;
    double a = NORMALISED[h0];
    double b = NORMALISED[(h0 + 1) % 24];
    return a + (b - a) * frac;
  }

  private DemandCurve() {}
}
