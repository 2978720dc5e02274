package com.mobilitycorp.fleet.testing.simulator;

/**
 * Small-distance geodesy for the simulator: great-circle distance, bearings and a local
 * equirectangular projection (metres east/north of a reference point), good to well below a metre
 * over the tens of kilometres of a city. {@link StrictMath} keeps results platform-independent.
 */
final class Geo {
  static final double EARTH_RADIUS_M = 6_371_008.8;

  /** Great-circle (haversine) distance in metres. */
  static double distanceM(double lat1, double lon1, double lat2, double lon2) {
    double p1 = StrictMath.toRadians(lat1);
    double p2 = StrictMath.toRadians(lat2);
    double dp = p2 - p1;
    double dl = StrictMath.toRadians(lon2 - lon1);
    double a =
        StrictMath.sin(dp / 2) * StrictMath.sin(dp / 2)
            + StrictMath.cos(p1) * StrictMath.cos(p2) * StrictMath.sin(dl / 2) * StrictMath.sin(dl / 2);
    return 2 * EARTH_RADIUS_M * StrictMath.atan2(StrictMath.sqrt(a), StrictMath.sqrt(1 - a));
  }

  /** Metres east of the reference point. */
  static double eastM(double refLat, double refLon, double lon) {
    return StrictMath.toRadians(lon - refLon) * EARTH_RADIUS_M * StrictMath.cos(StrictMath.toRadians(refLat));
  }

  /** Metres north of the reference point. */
  static double northM(double refLat, double lat) {
    return StrictMath.toRadians(lat - refLat) * EARTH_RADIUS_M;
  }

  static double latAt(double refLat, double northM) {
    return refLat + StrictMath.toDegrees(northM / EARTH_RADIUS_M);
  }

  static double lonAt(double refLat, double refLon, double eastM) {
    return refLon
        + StrictMath.toDegrees(eastM / (EARTH_RADIUS_M * StrictMath.cos(StrictMath.toRadians(refLat))));
  }

  /** Compass bearing (degrees clockwise from north, [0, 360)) of a displacement east/north. */
  static double bearingDeg(double eastM, double northM) {
    double deg = StrictMath.toDegrees(StrictMath.atan2(eastM, northM));
    return normaliseDeg(deg);
  }

  static double normaliseDeg(double deg) {
    double d = deg % 360.0;
    return d < 0 ? d + 360.0 : d;
  }

  static double round(double value, int decimals) {
    double scale = StrictMath.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  private Geo() {}
}
