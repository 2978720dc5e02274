package com.mobilitycorp.fleet.io.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The Booking Service's two queries on the {@code available_vehicles} read model (schema: {@code
 * db/V002__available_vehicles.sql}), as parameterised SQL for JDBC prepared statements. These are
 * the exact statements the README documents and {@code ReadModelQueryBench} measures.
 *
 * <p>Both return the same columns, in this order: {@code vehicle_id, vehicle_type, location_id,
 * lat, lon, battery_pct, current_range_meters, as_of}; the radius query adds {@code distance_m}.
 */
public final class AvailableVehiclesQueries {

  /** Mean Earth radius (IUGG), the same the fleet simulator uses for its distances. */
  public static final double EARTH_RADIUS_M = 6_371_008.8;

  /**
   * Available vehicles of one type at one location, best charged first.
   *
   * <p>Parameters: 1 {@code location_id}, 2 {@code vehicle_type} ({@code e_scooter}, {@code
   * e_bike}, {@code car}). Served by the partial index {@code
   * available_vehicles_available_by_location_type}.
   */
  public static final String AVAILABLE_BY_LOCATION_AND_TYPE =
      "SELECT vehicle_id, vehicle_type, location_id, lat, lon, battery_pct,"
          + " current_range_meters, as_of"
          + " FROM available_vehicles"
          + " WHERE status = 'available' AND location_id = ? AND vehicle_type = ?"
          + " ORDER BY battery_pct DESC NULLS LAST, vehicle_id";

  /**
   * Available vehicles within a radius of a point, nearest first.
   *
   * <p>The GiST index {@code available_vehicles_available_position} finds the candidates inside
   * the bounding box of the circle ({@code point(lon, lat) <@ box}); the haversine distance then
   * keeps those really within the radius. Core PostgreSQL only, no PostGIS.
   *
   * <p>Parameters, as {@link #bindWithinRadius} sets them: 1 lat, 2 lat, 3 lon (of the centre,
   * for the distance), 4 min lon, 5 min lat, 6 max lon, 7 max lat (the {@link BoundingBox}), 8
   * radius in metres.
   */
  public static final String AVAILABLE_WITHIN_RADIUS =
      "SELECT vehicle_id, vehicle_type, location_id, lat, lon, battery_pct,"
          + " current_range_meters, as_of, distance_m"
          + " FROM ("
          + "SELECT vehicle_id, vehicle_type, location_id, lat, lon, battery_pct,"
          + " current_range_meters, as_of,"
          // Haversine; least() guards asin against rounding just above 1 for antipodal points.
          + " 2 * "
          + EARTH_RADIUS_M
          + " * asin(least(1, sqrt("
          + "power(sin(radians(lat - ?) / 2), 2)"
          + " + cos(radians(?)) * cos(radians(lat)) * power(sin(radians(lon - ?) / 2), 2)"
          + "))) AS distance_m"
          + " FROM available_vehicles"
          + " WHERE status = 'available' AND lat IS NOT NULL"
          + " AND point(lon, lat) <@ box(point(?, ?), point(?, ?))"
          + ") AS candidates"
          + " WHERE distance_m <= ?"
          + " ORDER BY distance_m, vehicle_id";

  /** Name of the index behind {@link #AVAILABLE_BY_LOCATION_AND_TYPE}. */
  public static final String LOCATION_TYPE_INDEX = "available_vehicles_available_by_location_type";

  /** Name of the index behind {@link #AVAILABLE_WITHIN_RADIUS}. */
  public static final String POSITION_INDEX = "available_vehicles_available_position";

  /** A lat/lon rectangle in degrees; min <= max on both axes. */
  public record BoundingBox(double minLat, double minLon, double maxLat, double maxLon) {}

  /**
   * The smallest lat/lon rectangle holding every point within {@code radiusM} metres (great-circle)
   * of ({@code lat}, {@code lon}). The longitude half-width is the circle's exact extreme, {@code
   * asin(sin(r/R) / cos(lat))}, which is wider than {@code r / (R cos lat)}: the circle's widest
   * point lies poleward of its centre. Near a pole the box spans all longitudes. A circle crossing
   * the antimeridian is not split (the fleet operates in Germany); its box is clipped at +-180.
   */
  public static BoundingBox boundingBox(double lat, double lon, double radiusM) {
    if (!(radiusM >= 0)) {
      throw new IllegalArgumentException("radius must be >= 0, was " + radiusM);
    }
    double angular = radiusM / EARTH_RADIUS_M;
    double halfLat = Math.toDegrees(angular);
    double minLat = lat - halfLat;
    double maxLat = lat + halfLat;
    double halfLon;
    double sinRatio = Math.sin(angular) / Math.cos(Math.toRadians(lat));
    if (minLat <= -90 || maxLat >= 90 || sinRatio >= 1) {
      halfLon = 180; // the circle reaches or surrounds a pole
    } else {
      halfLon = Math.toDegrees(Math.asin(sinRatio));
    }
    // A hair of slack (about 1 cm) so floating-point rounding never drops a point on the circle.
    double slack = 1e-7;
    return new BoundingBox(
        Math.max(-90, minLat - slack),
        Math.max(-180, lon - halfLon - slack),
        Math.min(90, maxLat + slack),
        Math.min(180, lon + halfLon + slack));
  }

  /** Binds {@link #AVAILABLE_BY_LOCATION_AND_TYPE}'s parameters. */
  public static void bindByLocationAndType(
      PreparedStatement statement, String locationId, String vehicleType)
      throws SQLException {
    statement.setString(1, locationId);
    statement.setString(2, vehicleType);
  }

  /** Binds {@link #AVAILABLE_WITHIN_RADIUS}'s parameters for a circle around (lat, lon). */
  public static void bindWithinRadius(
      PreparedStatement statement, double lat, double lon, double radiusM)
      throws SQLException {
    BoundingBox box = boundingBox(lat, lon, radiusM);
    statement.setDouble(1, lat);
    statement.setDouble(2, lat);
    statement.setDouble(3, lon);
    statement.setDouble(4, box.minLon());
    statement.setDouble(5, box.minLat());
    statement.setDouble(6, box.maxLon());
    statement.setDouble(7, box.maxLat());
    statement.setDouble(8, radiusM);
  }

  /** Great-circle distance in metres, the same formula as {@link #AVAILABLE_WITHIN_RADIUS}. */
  public static double distanceM(double lat1, double lon1, double lat2, double lon2) {
    double a =
        Math.pow(Math.sin(Math.toRadians(lat2 - lat1) / 2), 2)
            + Math.cos(Math.toRadians(lat1))
                * Math.cos(Math.toRadians(lat2))
                * Math.pow(Math.sin(Math.toRadians(lon2 - lon1) / 2), 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  private AvailableVehiclesQueries() {}
}
